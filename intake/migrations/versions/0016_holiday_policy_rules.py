"""holiday policy rules

`holiday_rules`: the firm's holiday policy, applied every year: library holidays it
observes or works by name, and recurring days of its own (a month and day, or some days
after a library holiday). Without rules every library holiday is observed, as before.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 05:45:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "holiday_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("month", sa.Integer(), nullable=True),
        sa.Column("day", sa.Integer(), nullable=True),
        sa.Column("after", sa.String(length=120), nullable=True),
        sa.Column("days", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holiday_rules")),
        sa.UniqueConstraint("name", name=op.f("uq_holiday_rules_name")),
    )


def downgrade() -> None:
    op.drop_table("holiday_rules")
