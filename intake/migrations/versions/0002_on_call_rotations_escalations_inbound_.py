"""on-call rotations, escalations, inbound texts

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 12:23:46.644307
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

from intake.db import keep_ticket_numbering

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "escalation_policies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("repeat", sa.Integer(), nullable=False),
        sa.Column("repeat_delay_seconds", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation_policies")),
        sa.UniqueConstraint("name", name=op.f("uq_escalation_policies_name")),
    )
    op.create_table(
        "rotations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("handoff_time", sa.Time(), nullable=False),
        sa.Column("shift_days", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rotations")),
        sa.UniqueConstraint("name", name=op.f("uq_rotations_name")),
    )
    op.create_table(
        "escalation_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("policy_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("delay_seconds", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(length=20), nullable=False),
        sa.Column("technician_id", sa.Integer(), nullable=True),
        sa.Column("channels", sa.String(length=12), nullable=False),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["escalation_policies.id"],
            name=op.f("fk_escalation_steps_policy_id_escalation_policies"),
        ),
        sa.ForeignKeyConstraint(
            ["technician_id"],
            ["technicians.id"],
            name=op.f("fk_escalation_steps_technician_id_technicians"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation_steps")),
        sa.UniqueConstraint("policy_id", "position", name=op.f("uq_escalation_steps_policy_id")),
    )
    with op.batch_alter_table("escalation_steps", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_escalation_steps_policy_id"), ["policy_id"], unique=False
        )

    op.create_table(
        "rotation_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rotation_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("technician_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["rotation_id"],
            ["rotations.id"],
            name=op.f("fk_rotation_members_rotation_id_rotations"),
        ),
        sa.ForeignKeyConstraint(
            ["technician_id"],
            ["technicians.id"],
            name=op.f("fk_rotation_members_technician_id_technicians"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rotation_members")),
        sa.UniqueConstraint(
            "rotation_id", "position", name=op.f("uq_rotation_members_rotation_id")
        ),
    )
    with op.batch_alter_table("rotation_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rotation_members_rotation_id"), ["rotation_id"], unique=False
        )

    op.create_table(
        "escalations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("policy_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_step", sa.Integer(), nullable=False),
        sa.Column("escalate_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fence", sa.Integer(), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["escalation_policies.id"],
            name=op.f("fk_escalations_policy_id_escalation_policies"),
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_escalations_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalations")),
        sa.UniqueConstraint("ticket_id", name=op.f("uq_escalations_ticket_id")),
    )
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.create_index("ix_escalations_due", ["status", "escalate_at"], unique=False)

    op.create_table(
        "inbound_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_sid", sa.String(length=64), nullable=False),
        sa.Column("from_number", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("technician_id", sa.Integer(), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=200), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["technician_id"],
            ["technicians.id"],
            name=op.f("fk_inbound_messages_technician_id_technicians"),
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_inbound_messages_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_messages")),
        sa.UniqueConstraint("message_sid", name=op.f("uq_inbound_messages_message_sid")),
    )
    with op.batch_alter_table("inbound_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inbound_messages_from_number"), ["from_number"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_inbound_messages_received_at"), ["received_at"], unique=False
        )

    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.add_column(sa.Column("transfer_technician_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("transfer_accepted_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_calls_transfer_technician_id_technicians"),
            "technicians",
            ["transfer_technician_id"],
            ["id"],
        )

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=12), nullable=False, server_default="page")
        )
        batch_op.add_column(sa.Column("escalation_step", sa.Integer(), nullable=True))

    with op.batch_alter_table("technicians", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("is_manager", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("sms_opted_out", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("calendar_token", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_technicians_phone"), ["phone"], unique=False)
    _give_technicians_calendar_tokens()
    with op.batch_alter_table("technicians", schema=None) as batch_op:
        batch_op.alter_column("calendar_token", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_technicians_calendar_token"), ["calendar_token"]
        )

    # SQLite rebuilds the table: keep AUTOINCREMENT and the ticket counter.
    with op.batch_alter_table(
        "tickets", schema=None, table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.add_column(sa.Column("acknowledged_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_tickets_acknowledged_by_id_technicians"),
            "technicians",
            ["acknowledged_by_id"],
            ["id"],
        )
    keep_ticket_numbering(op.get_bind())


def _give_technicians_calendar_tokens() -> None:
    bind = op.get_bind()
    technicians = sa.table("technicians", sa.column("id", sa.Integer), sa.column("calendar_token"))
    for (tech_id,) in bind.execute(sa.select(technicians.c.id)).all():
        bind.execute(
            technicians.update()
            .where(technicians.c.id == tech_id)
            .values(calendar_token=secrets.token_urlsafe(24))
        )


def downgrade() -> None:
    with op.batch_alter_table(
        "tickets", schema=None, table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_tickets_acknowledged_by_id_technicians"), type_="foreignkey"
        )
        batch_op.drop_column("acknowledged_by_id")
    keep_ticket_numbering(op.get_bind())

    with op.batch_alter_table("technicians", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_technicians_calendar_token"), type_="unique")
        batch_op.drop_index(batch_op.f("ix_technicians_phone"))
        batch_op.drop_column("calendar_token")
        batch_op.drop_column("sms_opted_out")
        batch_op.drop_column("is_manager")

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("escalation_step")
        batch_op.drop_column("kind")

    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_calls_transfer_technician_id_technicians"), type_="foreignkey"
        )
        batch_op.drop_column("transfer_accepted_at")
        batch_op.drop_column("transfer_technician_id")

    with op.batch_alter_table("inbound_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbound_messages_received_at"))
        batch_op.drop_index(batch_op.f("ix_inbound_messages_from_number"))

    op.drop_table("inbound_messages")
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.drop_index("ix_escalations_due")

    op.drop_table("escalations")
    with op.batch_alter_table("rotation_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rotation_members_rotation_id"))

    op.drop_table("rotation_members")
    with op.batch_alter_table("escalation_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_escalation_steps_policy_id"))

    op.drop_table("escalation_steps")
    op.drop_table("rotations")
    op.drop_table("escalation_policies")
