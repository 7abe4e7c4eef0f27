"""Typed SQLAlchemy 2.0 models of the domain: clients, technicians, calls, tickets, outbox."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ticketing.orm import Base, utcnow

FIRST_TICKET_NUMBER = 1001


class ServiceClass(enum.StrEnum):
    """The three service levels of the firm's page."""

    EMERGENCY = "emergency"
    HELP_DESK = "help_desk"
    PROFESSIONAL_SERVICE = "professional_service"


class TicketStatus(enum.StrEnum):
    """Where a ticket stands."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class Client(Base):
    """A client company of the firm."""

    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    account_number: Mapped[str] = mapped_column(String(20), unique=True)
    has_msa: Mapped[bool] = mapped_column(Boolean, default=False)
    has_emergency_agreement: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    contacts: Mapped[list[Contact]] = relationship(back_populates="client")


class Contact(Base):
    """A person at a client, known by phone number."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(20), index=True)  # E.164
    email: Mapped[str | None] = mapped_column(String(254))
    is_representative: Mapped[bool] = mapped_column(Boolean, default=False)

    client: Mapped[Client] = relationship(back_populates="contacts")


class Technician(Base):
    """A technician who can be paged."""

    __tablename__ = "technicians"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    phone: Mapped[str] = mapped_column(String(20))  # E.164
    email: Mapped[str | None] = mapped_column(String(254))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class OnCallOverride(Base):
    """Someone on call from `starts_at` until `ends_at` (open-ended when None)."""

    __tablename__ = "oncall_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("technicians.id"), index=True)
    role: Mapped[str] = mapped_column(String(20), default="primary")
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    technician: Mapped[Technician] = relationship()


class CalendarDay(Base):
    """A staff edit of the business calendar: a closure, or a holiday worked as usual."""

    __tablename__ = "calendar_days"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    kind: Mapped[str] = mapped_column(String(10))  # "closure" or "open"
    name: Mapped[str] = mapped_column(String(120))


class Ticket(Base):
    """A request for service: opened by a call, the portal or staff."""

    __tablename__ = "tickets"
    # Numbers start at 1001: callers hear them and technicians type them, and a
    # four-digit number is easier to say and harder to confuse than "ticket 7".
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012

    id: Mapped[int] = mapped_column(Identity(start=FIRST_TICKET_NUMBER), primary_key=True)
    service_class: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(16), default=TicketStatus.OPEN.value)
    classification_reason: Mapped[str] = mapped_column(String(120), default="")
    source: Mapped[str] = mapped_column(String(16), default="phone")
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    caller_number: Mapped[str | None] = mapped_column(String(64))
    callback_number: Mapped[str | None] = mapped_column(String(20))
    description: Mapped[str | None] = mapped_column(Text)
    recording_url: Mapped[str | None] = mapped_column(String(500))
    recording_sid: Mapped[str | None] = mapped_column(String(64))
    recording_duration: Mapped[int | None] = mapped_column(Integer)
    payment_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    intake_completed_at: Mapped[datetime | None]
    paged_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]

    client: Mapped[Client | None] = relationship()
    contact: Mapped[Contact | None] = relationship()
    events: Mapped[list[TicketEvent]] = relationship(
        back_populates="ticket", order_by="TicketEvent.id"
    )

    @property
    def number(self) -> int:
        """The number callers hear and technicians type."""
        return self.id


class TicketEvent(Base):
    """One line of a ticket's timeline."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(120), default="system")

    ticket: Mapped[Ticket] = relationship(back_populates="events")


class Call(Base):
    """An inbound call, keyed by Twilio's CallSid; holds what the IVR learned so far."""

    __tablename__ = "calls"

    call_sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    from_raw: Mapped[str] = mapped_column(String(64), default="")
    caller_e164: Mapped[str | None] = mapped_column(String(20))
    to_number: Mapped[str] = mapped_column(String(64), default="")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The moment the call was classified at (a simulated moment in the sandbox).
    classified_for: Mapped[datetime]
    service_class: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str] = mapped_column(String(120))
    in_business_hours: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), default="ringing")
    last_sequence: Mapped[int] = mapped_column(Integer, default=-1)
    ended_at: Mapped[datetime | None]

    ticket: Mapped[Ticket] = relationship()


class WebhookReceipt(Base):
    """A Twilio request already answered: a retry gets the same answer and changes nothing."""

    __tablename__ = "webhook_receipts"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    path: Mapped[str] = mapped_column(String(200))
    status_code: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class OutboxMessage(Base):
    """A notification owed (SMS or call), written in the transaction that owes it."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("dedupe_key"),
        Index("ix_outbox_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(120))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("technicians.id"))
    channel: Mapped[str] = mapped_column(String(8), default="sms")
    to_number: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text)
    # pending → sending → sent | failed; delivery_status follows Twilio's callbacks.
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_until: Mapped[datetime | None]
    provider_sid: Mapped[str | None] = mapped_column(String(64), index=True)
    delivery_status: Mapped[str | None] = mapped_column(String(16))
    error_code: Mapped[str | None] = mapped_column(String(16))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
