"""drill tickets and phone tests

Tickets gain `drill` (a rehearsal placed by `intake drill call`: paged as DRILL, kept out
of every client view, report, billing run and outbound webhook) and `drill_page_to` (the
one number such a drill pages, when given). Technicians gain `phone_test_sent_at`,
`phone_verified_at` and `phone_verified_by` (`intake technicians test`: when their phone
last passed a test text or voice page, and which). Existing tickets are no drills;
existing technicians' phones were never tested.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 06:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from intake.db import keep_ticket_numbering

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # SQLite rebuilds the table: keep AUTOINCREMENT, and numbers from 1001 (intake/db.py).
    with op.batch_alter_table(
        "tickets", schema=None, table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.add_column(
            sa.Column("drill", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("drill_page_to", sa.String(length=20), nullable=True))
    keep_ticket_numbering(op.get_bind())
    with op.batch_alter_table("technicians", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("phone_test_sent_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("phone_verified_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("phone_verified_by", sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("technicians", schema=None) as batch_op:
        batch_op.drop_column("phone_verified_by")
        batch_op.drop_column("phone_verified_at")
        batch_op.drop_column("phone_test_sent_at")
    with op.batch_alter_table(
        "tickets", schema=None, table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.drop_column("drill_page_to")
        batch_op.drop_column("drill")
    keep_ticket_numbering(op.get_bind())
