"""rotation time zone, outbox recent texts index

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 12:47:10.826333
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_recent_texts", ["to_number", "sent_at"], unique=False)

    # Existing rotations were set on the default business zone (docs/design.md §1).
    with op.batch_alter_table("rotations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "timezone", sa.String(length=64), nullable=False, server_default="America/New_York"
            )
        )


def downgrade() -> None:
    # In place (SQLite >= 3.35 has DROP COLUMN): rebuilding `rotations` would drop the
    # table rotation_members points at, which SQLite refuses with foreign keys enforced.
    with op.batch_alter_table("rotations", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("timezone")

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_recent_texts")
