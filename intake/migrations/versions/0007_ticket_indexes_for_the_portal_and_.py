"""ticket indexes for the portal and console at scale

A company's tickets in date order (on PostgreSQL covering what the counts and the year
report read), unresolved tickets by class, and trigram indexes for searching ticket text
and phone numbers anywhere (PostgreSQL's pg_trgm; on SQLite they are empty partial
indexes, see ticketing.models.search_index).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 15:22:32.829939
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # A trusted extension since PostgreSQL 13: the database owner may create it.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tickets_client_id"))
        batch_op.create_index(
            "ix_tickets_callback_number_trgm",
            ["callback_number"],
            unique=False,
            postgresql_using="gin",
            postgresql_ops={"callback_number": "gin_trgm_ops"},
            sqlite_where=sa.text("0"),
        )
        batch_op.create_index(
            "ix_tickets_caller_number_trgm",
            ["caller_number"],
            unique=False,
            postgresql_using="gin",
            postgresql_ops={"caller_number": "gin_trgm_ops"},
            sqlite_where=sa.text("0"),
        )
        batch_op.create_index("ix_tickets_class_status", ["service_class", "status"], unique=False)
        batch_op.create_index(
            "ix_tickets_client_opened",
            ["client_id", "opened_at", "id"],
            unique=False,
            postgresql_include=["service_class", "status", "acknowledged_at"],
        )
        batch_op.create_index(
            "ix_tickets_description_trgm",
            ["description"],
            unique=False,
            postgresql_using="gin",
            postgresql_ops={"description": "gin_trgm_ops"},
            sqlite_where=sa.text("0"),
        )


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_tickets_description_trgm",
            postgresql_using="gin",
            postgresql_ops={"description": "gin_trgm_ops"},
            sqlite_where=sa.text("0"),
        )
        batch_op.drop_index(
            "ix_tickets_client_opened",
            postgresql_include=["service_class", "status", "acknowledged_at"],
        )
        batch_op.drop_index("ix_tickets_class_status")
        batch_op.drop_index(
            "ix_tickets_caller_number_trgm",
            postgresql_using="gin",
            postgresql_ops={"caller_number": "gin_trgm_ops"},
            sqlite_where=sa.text("0"),
        )
        batch_op.drop_index(
            "ix_tickets_callback_number_trgm",
            postgresql_using="gin",
            postgresql_ops={"callback_number": "gin_trgm_ops"},
            sqlite_where=sa.text("0"),
        )
        batch_op.create_index(batch_op.f("ix_tickets_client_id"), ["client_id"], unique=False)
    # pg_trgm stays: dropping an extension is the database owner's call, not a migration's.
