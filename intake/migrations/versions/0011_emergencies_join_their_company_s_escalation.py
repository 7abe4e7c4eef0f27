"""emergencies join their company's running escalation; voice pages ring together

`tickets.joined_to_id`: the company's emergency whose escalation still pages when this
one comes in, so that a company in trouble is paged as one escalation, not one per call.
`outbox.carried_by_id`: the voice page whose call also carries this one, when several
were due to one phone at once and one call rang for them all.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 04:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from intake.db import keep_ticket_numbering

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("carried_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_outbox_carried_by_id_outbox"), "outbox", ["carried_by_id"], ["id"]
        )

    with op.batch_alter_table(
        "tickets", schema=None, table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.add_column(sa.Column("joined_to_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_tickets_joined_to_id_tickets"), "tickets", ["joined_to_id"], ["id"]
        )
    keep_ticket_numbering(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table(
        "tickets", schema=None, table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_tickets_joined_to_id_tickets"), type_="foreignkey")
        batch_op.drop_column("joined_to_id")
    keep_ticket_numbering(op.get_bind())

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_outbox_carried_by_id_outbox"), type_="foreignkey")
        batch_op.drop_column("carried_by_id")
