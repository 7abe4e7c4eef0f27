"""people come and go

Clients and contacts gain `active` (every existing row stays active) and, with
technicians and users, `deactivated_at`: nobody is deleted, so tickets, timelines and
invoices keep naming whoever has left.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 05:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    for table in ("clients", "contacts"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true())
            )
            batch_op.add_column(sa.Column("deactivated_at", WHEN, nullable=True))
    for table in ("technicians", "users"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("deactivated_at", WHEN, nullable=True))


def downgrade() -> None:
    for table in ("users", "technicians"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("deactivated_at")
    for table in ("contacts", "clients"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("deactivated_at")
            batch_op.drop_column("active")
