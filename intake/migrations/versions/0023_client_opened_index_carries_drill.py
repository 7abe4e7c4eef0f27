"""client opened index carries drill

`ix_tickets_client_opened` also carries `drill` on PostgreSQL: the year report, the
portal's counts and the help-desk figures leave drills out, and without the column in the
index each of a client's tickets was read from the table. SQLite has no INCLUDE columns,
so there it is rebuilt as it was.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05 11:40:00
"""

from __future__ import annotations

from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

BEFORE = ["service_class", "status", "acknowledged_at"]
AFTER = [*BEFORE, "drill"]


def _rebuild(include: list[str]) -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_client_opened")
        batch_op.create_index(
            "ix_tickets_client_opened",
            ["client_id", "opened_at", "id"],
            unique=False,
            postgresql_include=include,
        )


def upgrade() -> None:
    _rebuild(AFTER)


def downgrade() -> None:
    _rebuild(BEFORE)
