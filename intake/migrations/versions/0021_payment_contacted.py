"""payment contacted

Tickets gain `payment_contacted_at` and `payment_contacted_by`: when billing contacted the
client of a ticket flagged for payment contact, and who (the console's worklist lists the
flagged tickets nobody has marked yet). Existing flagged tickets are all still to do.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 07:58:49.731872
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from intake.db import keep_ticket_numbering

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # SQLite rebuilds the table: keep AUTOINCREMENT, and numbers from 1001 (intake/db.py).
    with op.batch_alter_table(
        "tickets", schema=None, table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.add_column(
            sa.Column("payment_contacted_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("payment_contacted_by", sa.String(length=200), nullable=True))
    keep_ticket_numbering(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table(
        "tickets", schema=None, table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.drop_column("payment_contacted_by")
        batch_op.drop_column("payment_contacted_at")
    keep_ticket_numbering(op.get_bind())
