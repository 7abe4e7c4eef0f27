"""webhook endpoints

A table of the endpoints that receive signed ticket events (`intake webhooks add`), each
with its own `whsec_` secret; removed ones are kept with `removed_at`, so the delivery
log still says where a delivery went. Outbox rows of the new `webhook` channel carry the
events; the channel and kind columns are plain strings, so they need no change.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 05:50:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webhook_endpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=254), nullable=False),
        sa.Column("secret", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_endpoints")),
    )


def downgrade() -> None:
    # Events still owed to endpoints go with them.
    op.execute("DELETE FROM outbox WHERE channel = 'webhook'")
    op.drop_table("webhook_endpoints")
