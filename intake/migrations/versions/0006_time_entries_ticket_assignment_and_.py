"""time entries, ticket assignment and follow-ups

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 13:52:45.700491
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from intake.db import keep_ticket_numbering

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "time_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("technician_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("logged_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("invoice_line_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["invoice_line_id"],
            ["invoice_lines.id"],
            name=op.f("fk_time_entries_invoice_line_id_invoice_lines"),
        ),
        sa.ForeignKeyConstraint(
            ["technician_id"],
            ["technicians.id"],
            name=op.f("fk_time_entries_technician_id_technicians"),
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_time_entries_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_time_entries")),
    )
    with op.batch_alter_table("time_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_time_entries_invoice_line_id"), ["invoice_line_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_time_entries_started_at"), ["started_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_time_entries_ticket_id"), ["ticket_id"], unique=False)

    with op.batch_alter_table(
        "tickets", schema=None, table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.add_column(sa.Column("assigned_to_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("follow_up_of_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_tickets_follow_up_of_id_tickets"), "tickets", ["follow_up_of_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_tickets_assigned_to_id_technicians"),
            "technicians",
            ["assigned_to_id"],
            ["id"],
        )
    keep_ticket_numbering(op.get_bind())


def downgrade() -> None:

    with op.batch_alter_table(
        "tickets", schema=None, table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_tickets_assigned_to_id_technicians"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_tickets_follow_up_of_id_tickets"), type_="foreignkey"
        )
        batch_op.drop_column("follow_up_of_id")
        batch_op.drop_column("assigned_to_id")
    keep_ticket_numbering(op.get_bind())

    with op.batch_alter_table("time_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_time_entries_ticket_id"))
        batch_op.drop_index(batch_op.f("ix_time_entries_started_at"))
        batch_op.drop_index(batch_op.f("ix_time_entries_invoice_line_id"))

    op.drop_table("time_entries")
