"""help-desk queue, service requests, email and redirect outbox

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 13:03:46.261725
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "helpdesk_queue",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_sid", sa.String(length=64), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("left_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("wait_seconds", sa.Integer(), nullable=True),
        sa.Column("technician_id", sa.Integer(), nullable=True),
        sa.Column("capped", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["technician_id"],
            ["technicians.id"],
            name=op.f("fk_helpdesk_queue_technician_id_technicians"),
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_helpdesk_queue_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_helpdesk_queue")),
        sa.UniqueConstraint("call_sid", name=op.f("uq_helpdesk_queue_call_sid")),
    )
    with op.batch_alter_table("helpdesk_queue", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_helpdesk_queue_outcome"), ["outcome"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_helpdesk_queue_queued_at"), ["queued_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_helpdesk_queue_ticket_id"), ["ticket_id"], unique=False
        )

    op.create_table(
        "service_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("preferred_technician_id", sa.Integer(), nullable=True),
        sa.Column("hour_limit", sa.Numeric(precision=6, scale=2), nullable=True),
        sa.Column("scheduled_technician_id", sa.Integer(), nullable=True),
        sa.Column("scheduled_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["preferred_technician_id"],
            ["technicians.id"],
            name=op.f("fk_service_requests_preferred_technician_id_technicians"),
        ),
        sa.ForeignKeyConstraint(
            ["scheduled_technician_id"],
            ["technicians.id"],
            name=op.f("fk_service_requests_scheduled_technician_id_technicians"),
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_service_requests_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_requests")),
        sa.UniqueConstraint("ticket_id", name=op.f("uq_service_requests_ticket_id")),
    )
    op.create_table(
        "request_windows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["service_requests.id"],
            name=op.f("fk_request_windows_request_id_service_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_windows")),
    )
    with op.batch_alter_table("request_windows", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_request_windows_request_id"), ["request_id"], unique=False
        )

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("to_address", sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column("subject", sa.String(length=200), nullable=True))
        batch_op.alter_column(
            "to_number",
            existing_type=sa.VARCHAR(length=20),
            type_=sa.String(length=64),
            existing_nullable=False,
        )


def downgrade() -> None:

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.alter_column(
            "to_number",
            existing_type=sa.String(length=64),
            type_=sa.VARCHAR(length=20),
            existing_nullable=False,
        )
        batch_op.drop_column("subject")
        batch_op.drop_column("to_address")

    with op.batch_alter_table("request_windows", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_request_windows_request_id"))

    op.drop_table("request_windows")
    op.drop_table("service_requests")
    with op.batch_alter_table("helpdesk_queue", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_helpdesk_queue_ticket_id"))
        batch_op.drop_index(batch_op.f("ix_helpdesk_queue_queued_at"))
        batch_op.drop_index(batch_op.f("ix_helpdesk_queue_outcome"))

    op.drop_table("helpdesk_queue")
