"""timeline event audience: every line is for staff or for the client

Lines already written are classified by kind, as ticketing.event_kinds classifies them
today: the client kinds below become client lines; everything else (pages, escalation
steps, bundle notes, console notes, billing lines) stays staff-only. Kinds with a client
wording keep the staff audience and are reworded when shown, so they need no change.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 03:55:03.551436
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# Frozen here: a later change to the kinds' rules must not rewrite history silently.
CLIENT_KINDS = (
    "call_received",
    "classified",
    "caller_identified",
    "recording",
    "transcription",
    "callback",
    "request_received",
    "scheduled",
    "assigned",
    "retainer",
)


def upgrade() -> None:
    with op.batch_alter_table("ticket_events", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("audience", sa.String(length=8), server_default="staff", nullable=False)
        )
    events = sa.table("ticket_events", sa.column("kind", sa.String), sa.column("audience"))
    op.execute(events.update().where(events.c.kind.in_(CLIENT_KINDS)).values(audience="client"))


def downgrade() -> None:
    with op.batch_alter_table("ticket_events", schema=None) as batch_op:
        batch_op.drop_column("audience")
