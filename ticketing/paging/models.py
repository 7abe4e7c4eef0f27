"""Paging tables: escalation policies and steps, escalations in progress, texts received."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ticketing.models import Technician, Ticket
from ticketing.orm import Base, StrEnumColumn, utcnow


class EscalationTarget(enum.StrEnum):
    """Whom a step notifies: who is on call in a role, the managers, or one technician."""

    PRIMARY = "primary"
    SECONDARY = "secondary"
    MANAGER = "manager"
    TECHNICIAN = "technician"


class StepChannels(enum.StrEnum):
    """How a step notifies: by text, by voice call, or both."""

    SMS = "sms"
    CALL = "call"
    SMS_AND_CALL = "sms+call"


class EscalationStatus(enum.StrEnum):
    """Where an escalation stands: active → acknowledged | resolved | exhausted | cancelled."""

    ACTIVE = "active"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    EXHAUSTED = "exhausted"
    CANCELLED = "cancelled"


class EscalationPolicy(Base):
    """Who is notified, how, and when, until someone acknowledges."""

    __tablename__ = "escalation_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    # How many times the whole list of steps runs (1 = once, no repeat).
    repeat: Mapped[int] = mapped_column(Integer, default=2)
    # Pause between the last step of one round and the first step of the next.
    repeat_delay_seconds: Mapped[int] = mapped_column(Integer, default=300)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    steps: Mapped[list[EscalationStep]] = relationship(
        back_populates="policy", order_by="EscalationStep.position", cascade="all, delete-orphan"
    )


class EscalationStep(Base):
    """One step: after `delay_seconds` from the round's start, notify `target` by `channels`."""

    __tablename__ = "escalation_steps"
    __table_args__ = (UniqueConstraint("policy_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("escalation_policies.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    delay_seconds: Mapped[int] = mapped_column(Integer)
    target: Mapped[EscalationTarget] = mapped_column(StrEnumColumn(EscalationTarget, 20))
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("technicians.id"))
    channels: Mapped[StepChannels] = mapped_column(StrEnumColumn(StepChannels, 12))

    policy: Mapped[EscalationPolicy] = relationship(back_populates="steps")
    technician: Mapped[Technician | None] = relationship()


class Escalation(Base):
    """An emergency's paging in progress: a timer row the scheduler sweeps.

    `fence` grows by one each time a step fires; a step is fired only by the
    transaction that moves the fence from the value it read, so two schedulers
    (or a restart mid-sweep) can never fire the same step twice.
    """

    __tablename__ = "escalations"
    __table_args__ = (Index("ix_escalations_due", "status", "escalate_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), unique=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("escalation_policies.id"))
    status: Mapped[EscalationStatus] = mapped_column(
        StrEnumColumn(EscalationStatus, 16), default=EscalationStatus.ACTIVE
    )
    started_at: Mapped[datetime]
    next_step: Mapped[int] = mapped_column(Integer, default=0)
    escalate_at: Mapped[datetime | None]
    fence: Mapped[int] = mapped_column(Integer, default=0)
    ended_at: Mapped[datetime | None]

    ticket: Mapped[Ticket] = relationship()
    policy: Mapped[EscalationPolicy] = relationship()

    __mapper_args__ = {"version_id_col": fence}  # noqa: RUF012 (read by SQLAlchemy)

    @property
    def is_active(self) -> bool:
        """Still paging."""
        return self.status == EscalationStatus.ACTIVE

    def end(self, status: EscalationStatus, now: datetime) -> bool:
        """Stop paging with `status`; False (nothing changes) unless it was still active."""
        if not self.is_active:
            return False
        self.status, self.escalate_at, self.ended_at = status, None, now
        return True

    def exhaust(self, now: datetime) -> bool:
        """Every step ran out unacknowledged."""
        return self.end(EscalationStatus.EXHAUSTED, now)


class InboundMessage(Base):
    """A text received on our numbers (technicians' replies), kept once per MessageSid."""

    __tablename__ = "inbound_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_sid: Mapped[str] = mapped_column(String(64), unique=True)
    from_number: Mapped[str] = mapped_column(String(64), index=True)
    body: Mapped[str] = mapped_column(Text, default="")
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("technicians.id"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    outcome: Mapped[str] = mapped_column(String(200), default="")
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


# Registered on the same metadata (migrations, tests) without making this module longer.
