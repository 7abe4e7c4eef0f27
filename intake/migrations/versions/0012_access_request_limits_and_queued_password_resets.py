"""access request limits and queued password resets

`access_request_attempts`: the public access form's accepted submissions of the last
hour, by address (an IPv6 address's /64), so that one address and all of them together
are capped. `password_reset_requests`: addresses typed into the forgot-password form,
waiting for the scheduler, so that the form does the same work whether or not an account
has the address. Both tables only ever hold a short queue; nothing to carry over.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 14:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "access_request_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("remote_addr", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_request_attempts")),
    )
    with op.batch_alter_table("access_request_attempts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_access_request_attempts_at"), ["at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_access_request_attempts_remote_addr"), ["remote_addr"], unique=False
        )
    op.create_table(
        "password_reset_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_reset_requests")),
    )
    with op.batch_alter_table("password_reset_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_password_reset_requests_requested_at"), ["requested_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("password_reset_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_password_reset_requests_requested_at"))
    op.drop_table("password_reset_requests")
    with op.batch_alter_table("access_request_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_access_request_attempts_remote_addr"))
        batch_op.drop_index(batch_op.f("ix_access_request_attempts_at"))
    op.drop_table("access_request_attempts")
