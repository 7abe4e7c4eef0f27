"""further recordings

A caller moved to a message again in the same call (after a reclassification, say) left a
second recording that replaced the first on the ticket. The ticket keeps the first; each
further one is a row here with its own transcription.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 07:39:24.572011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "further_recordings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("sid", sa.String(length=64), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("duration", sa.Integer(), nullable=True),
        sa.Column("transcription", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_further_recordings_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_further_recordings")),
        sa.UniqueConstraint("sid", name=op.f("uq_further_recordings_sid")),
    )
    with op.batch_alter_table("further_recordings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_further_recordings_ticket_id"), ["ticket_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("further_recordings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_further_recordings_ticket_id"))

    op.drop_table("further_recordings")
