"""calendar stamp

A one-row table `calendar_stamp` holds a random token that every edit of `calendar_days`
or `holiday_rules` replaces (ticketing/calendar/stamp.py): a process keeps the calendar
it built for as long as the token is the one it read.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05 10:20:00
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    stamp = op.create_table(
        "calendar_stamp",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stamp", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_stamp")),
    )
    op.bulk_insert(stamp, [{"id": 1, "stamp": uuid.uuid4().hex}])


def downgrade() -> None:
    op.drop_table("calendar_stamp")
