"""scheduler heartbeats

`heartbeats`: one row per scheduler process (host, pid) and job, moved forward as the
job runs, so the health check, the metrics and the phone line can tell whether pages are
leaving. A new table; nothing to carry over.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 05:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "heartbeats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("component", sa.String(length=60), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("beat_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_heartbeats")),
        sa.UniqueConstraint("component", "host", "pid", name=op.f("uq_heartbeats_component")),
    )
    op.create_index(
        "ix_heartbeats_component_beat_at", "heartbeats", ["component", "beat_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_heartbeats_component_beat_at", table_name="heartbeats")
    op.drop_table("heartbeats")
