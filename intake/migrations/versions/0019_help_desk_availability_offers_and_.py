"""help desk availability, offers and callbacks

Technicians gain `availability` (available, busy, away; existing technicians start away,
so nobody is rung for help-desk callers before saying they are available) and
`availability_since` (the one available longest is offered a caller first). Queue entries
gain `callback_number` (the caller hung up keeping their place) and `session_ended_at`.
`helpdesk_offers` records each waiting caller offered to a technician; its `ringing_*`
columns are set only while the offer rings, and unique, so a caller and a technician are
in one ringing offer at most.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 07:16:16.662862
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "helpdesk_offers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("technician_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("ringing_entry_id", sa.Integer(), nullable=True),
        sa.Column("ringing_technician_id", sa.Integer(), nullable=True),
        sa.Column("outbox_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["helpdesk_queue.id"],
            name=op.f("fk_helpdesk_offers_entry_id_helpdesk_queue"),
        ),
        sa.ForeignKeyConstraint(
            ["outbox_id"], ["outbox.id"], name=op.f("fk_helpdesk_offers_outbox_id_outbox")
        ),
        sa.ForeignKeyConstraint(
            ["technician_id"],
            ["technicians.id"],
            name=op.f("fk_helpdesk_offers_technician_id_technicians"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_helpdesk_offers")),
        sa.UniqueConstraint("ringing_entry_id", name=op.f("uq_helpdesk_offers_ringing_entry_id")),
        sa.UniqueConstraint(
            "ringing_technician_id", name=op.f("uq_helpdesk_offers_ringing_technician_id")
        ),
    )
    with op.batch_alter_table("helpdesk_offers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_helpdesk_offers_entry_id"), ["entry_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_helpdesk_offers_technician_id"), ["technician_id"], unique=False
        )

    with op.batch_alter_table("helpdesk_queue", schema=None) as batch_op:
        batch_op.add_column(sa.Column("callback_number", sa.String(length=20), nullable=True))
        batch_op.add_column(
            sa.Column("session_ended_at", sa.DateTime(timezone=True), nullable=True)
        )

    with op.batch_alter_table("technicians", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("availability", sa.String(length=12), server_default="away", nullable=False)
        )
        batch_op.add_column(
            sa.Column("availability_since", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("technicians", schema=None) as batch_op:
        batch_op.drop_column("availability_since")
        batch_op.drop_column("availability")

    with op.batch_alter_table("helpdesk_queue", schema=None) as batch_op:
        batch_op.drop_column("session_ended_at")
        batch_op.drop_column("callback_number")

    with op.batch_alter_table("helpdesk_offers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_helpdesk_offers_technician_id"))
        batch_op.drop_index(batch_op.f("ix_helpdesk_offers_entry_id"))

    op.drop_table("helpdesk_offers")
