"""The kernel's tables: clients, contacts, technicians, tickets and their timeline, calls,
webhook receipts and the outbox."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ticketing.event_kinds import Audience, client_line
from ticketing.orm import Base, StrEnumColumn, utcnow

FIRST_TICKET_NUMBER = 1001


def search_index(table: str, column: str) -> Index:
    """An index for searching `column` anywhere in its text (LIKE '%...%'): a trigram GIN
    index on PostgreSQL (the pg_trgm extension, created by migration 0007). No b-tree can
    serve such a search, so on SQLite it is an empty partial index (WHERE 0), kept only so
    that both databases have the same schema."""
    return Index(
        f"ix_{table}_{column}_trgm",
        column,
        postgresql_using="gin",
        postgresql_ops={column: "gin_trgm_ops"},
        sqlite_where=text("0"),
    )


def new_token() -> str:
    """An unguessable token for URLs handed to one person (calendar feeds)."""
    return secrets.token_urlsafe(24)


class ServiceClass(enum.StrEnum):
    """The three service levels of the firm's page."""

    EMERGENCY = "emergency"
    HELP_DESK = "help_desk"
    PROFESSIONAL_SERVICE = "professional_service"

    @property
    def label(self) -> str:
        """The class of one ticket as people read it: "Help desk", "Professional service"."""
        return _CLASS_LABELS[self][0]

    @property
    def plural_label(self) -> str:
        """The class as reports and charts head its tickets: "Professional services"."""
        return _CLASS_LABELS[self][1]

    @classmethod
    def label_of(cls, value: str) -> str:
        """The label of a stored value; one the enum does not know is shown tidied up."""
        try:
            return cls(value).label
        except ValueError:
            return value.replace("_", " ").capitalize()


_CLASS_LABELS = {
    ServiceClass.EMERGENCY: ("Emergency", "Emergency"),
    ServiceClass.HELP_DESK: ("Help desk", "Help desk"),
    ServiceClass.PROFESSIONAL_SERVICE: ("Professional service", "Professional services"),
}


class TicketStatus(enum.StrEnum):
    """Where a ticket stands: open → acknowledged → resolved."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


# Spelled out rather than `!= resolved` so that an index on status can find them.
UNRESOLVED = (TicketStatus.OPEN, TicketStatus.ACKNOWLEDGED)


class TicketSource(enum.StrEnum):
    """Where a ticket was opened."""

    PORTAL = "portal"
    CLI = "cli"
    PHONE = "phone"
    STAFF = "staff"


class OutboxStatus(enum.StrEnum):
    """Where an outbox row stands: pending → sending → sent | failed, or cancelled."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


class OutboxChannel(enum.StrEnum):
    """How an outbox row goes out."""

    SMS = "sms"
    CALL = "call"
    EMAIL = "email"
    REDIRECT = "redirect"
    WEBHOOK = "webhook"  # a signed ticket event POSTed to a registered endpoint


class OutboxKind(enum.StrEnum):
    """What an outbox row is for."""

    PAGE = "page"
    NOTICE = "notice"  # a hand-off, the caller's words, what a client is told
    REPLY = "reply"  # to a technician's text
    ALERT = "alert"  # to staff: an emergency nobody acknowledged
    HELPDESK = "helpdesk"  # rings a technician to take the next help-desk caller
    INVOICE = "invoice"
    ACCOUNT = "account"  # portal access and password emails
    REDIRECT = "redirect"
    WEBHOOK = "webhook"  # a ticket event for another tool
    STAFF = "staff"  # to staff: an access request, a question from the public site


class Client(Base):
    """A client company of the firm."""

    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    account_number: Mapped[str] = mapped_column(String(20), unique=True)
    has_msa: Mapped[bool] = mapped_column(Boolean, default=False)
    has_emergency_agreement: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Never deleted: tickets and invoices keep naming a client that has left.
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    deactivated_at: Mapped[datetime | None]

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
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    deactivated_at: Mapped[datetime | None]

    client: Mapped[Client] = relationship(back_populates="contacts")


class Availability(enum.StrEnum):
    """Whether a technician can take a help-desk caller now (ticketing/people/availability.py
    holds the transitions)."""

    AVAILABLE = "available"
    BUSY = "busy"  # in a help-desk session
    AWAY = "away"


class Technician(Base):
    """A technician who can be paged."""

    __tablename__ = "technicians"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    phone: Mapped[str] = mapped_column(String(20), index=True)  # E.164
    email: Mapped[str | None] = mapped_column(String(254))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    deactivated_at: Mapped[datetime | None]
    # Told when an emergency runs out of escalation steps unacknowledged.
    is_manager: Mapped[bool] = mapped_column(Boolean, default=False)
    # Replied STOP: Twilio refuses to text them (21610), so they are paged by voice.
    sms_opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    # Secret part of the technician's iCalendar feed URL.
    calendar_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_token)
    # Help-desk callers are offered only to available technicians, the one available longest
    # first; nobody is until they say so (SMS AVAIL, the console or the CLI).
    availability: Mapped[Availability] = mapped_column(
        StrEnumColumn(Availability, 12), default=Availability.AWAY, server_default="away"
    )
    availability_since: Mapped[datetime | None]
    # `intake technicians test`: when the latest test of their phone went out, when it last
    # passed (the technician replied or pressed 1) and by which ways ("sms", "sms,voice").
    phone_test_sent_at: Mapped[datetime | None]
    phone_verified_at: Mapped[datetime | None]
    phone_verified_by: Mapped[str | None] = mapped_column(String(20))


class Ticket(Base):
    """A request for service: opened by a call, the portal or staff."""

    __tablename__ = "tickets"
    __table_args__ = (
        # A company's tickets newest first (portal list, home page, reports): one index
        # range, already in order, also for a deep page of a client with 10,000 tickets.
        # On PostgreSQL it also carries what the counts and the year report read, so they
        # are answered from the index alone (`drill` too: every client view leaves drills
        # out, and a filter on a column the index lacks reads each ticket's row instead).
        Index(
            "ix_tickets_client_opened",
            "client_id",
            "opened_at",
            "id",
            postgresql_include=["service_class", "status", "acknowledged_at", "drill"],
        ),
        # The live board's unresolved emergencies among every ticket ever opened (class
        # first: a status alone, e.g. "resolved", matches nearly every ticket, and SQLite,
        # which keeps no statistics, would otherwise prefer this index to a client's).
        Index("ix_tickets_class_status", "service_class", "status"),
        search_index("tickets", "description"),
        search_index("tickets", "caller_number"),
        search_index("tickets", "callback_number"),
        # Numbers start at 1001: callers hear them and technicians type them, and a
        # four-digit number is easier to say and harder to confuse than "ticket 7".
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Identity(start=FIRST_TICKET_NUMBER), primary_key=True)
    service_class: Mapped[ServiceClass] = mapped_column(StrEnumColumn(ServiceClass, 24))
    status: Mapped[TicketStatus] = mapped_column(
        StrEnumColumn(TicketStatus, 16), default=TicketStatus.OPEN
    )
    classification_reason: Mapped[str] = mapped_column(String(120), default="")
    source: Mapped[TicketSource] = mapped_column(
        StrEnumColumn(TicketSource, 16), default=TicketSource.PHONE
    )
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    caller_number: Mapped[str | None] = mapped_column(String(64))
    callback_number: Mapped[str | None] = mapped_column(String(20))
    description: Mapped[str | None] = mapped_column(Text)
    recording_url: Mapped[str | None] = mapped_column(String(500))
    recording_sid: Mapped[str | None] = mapped_column(String(64))
    recording_duration: Mapped[int | None] = mapped_column(Integer)
    payment_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    # Billing contacted the client about paying (the console's worklist): when and who.
    payment_contacted_at: Mapped[datetime | None]
    payment_contacted_by: Mapped[str | None] = mapped_column(String(200))
    # The client chose to draw this ticket's time from their pre-paid hours.
    apply_retainer: Mapped[bool] = mapped_column(Boolean, default=False)
    # Who asked (a portal user), for "users see their own tickets".
    requested_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("technicians.id"))
    # Staff assign a ticket to a technician (the console); paging does not need it.
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("technicians.id"))
    # A follow-up for the long-term fix of an emergency (the firm's page: an emergency fix
    # is not a long-term solution; one may be proposed in business hours).
    follow_up_of_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    # The company's emergency whose escalation pages for this one too (it was still being
    # paged when this one came in): one escalation per company in trouble, not one per call.
    joined_to_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    # A rehearsal (`intake drill call`): paged as "DRILL", never shown to a client, billed,
    # reported or sent to another tool. `drill_page_to` pages only that number, if set.
    drill: Mapped[bool] = mapped_column(Boolean, default=False)
    drill_page_to: Mapped[str | None] = mapped_column(String(20))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    intake_completed_at: Mapped[datetime | None]
    paged_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]

    client: Mapped[Client | None] = relationship()
    contact: Mapped[Contact | None] = relationship()
    acknowledged_by: Mapped[Technician | None] = relationship(foreign_keys=[acknowledged_by_id])
    assigned_to: Mapped[Technician | None] = relationship(foreign_keys=[assigned_to_id])
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
    # Staff lines never reach a client; see ticketing.event_kinds for each kind's default.
    audience: Mapped[Audience] = mapped_column(
        StrEnumColumn(Audience, 8), default=Audience.STAFF, server_default=Audience.STAFF.value
    )

    ticket: Mapped[Ticket] = relationship(back_populates="events")

    @property
    def client_message(self) -> str | None:
        """The line as a client reads it, or None when it is for staff only."""
        return client_line(self.kind, self.audience, self.message, self.actor)


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
    service_class: Mapped[ServiceClass] = mapped_column(StrEnumColumn(ServiceClass, 24))
    reason: Mapped[str] = mapped_column(String(120))
    in_business_hours: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), default="ringing")
    last_sequence: Mapped[int] = mapped_column(Integer, default=-1)
    ended_at: Mapped[datetime | None]
    # Live transfer: who was rung while the caller held, and whether they pressed 1.
    transfer_technician_id: Mapped[int | None] = mapped_column(ForeignKey("technicians.id"))
    transfer_accepted_at: Mapped[datetime | None]

    ticket: Mapped[Ticket] = relationship()


class FurtherRecording(Base):
    """A message recorded on a ticket's call after the first one (which the ticket holds):
    a caller moved to a message again keeps both, each with its own transcription."""

    __tablename__ = "further_recordings"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    sid: Mapped[str] = mapped_column(String(64), unique=True)
    url: Mapped[str] = mapped_column(String(500))
    duration: Mapped[int | None] = mapped_column(Integer)
    transcription: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


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
        # The relay's pacing: recent texts to one number.
        Index("ix_outbox_recent_texts", "to_number", "sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(120))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("technicians.id"))
    kind: Mapped[OutboxKind] = mapped_column(StrEnumColumn(OutboxKind, 12), default=OutboxKind.PAGE)
    # Which escalation step wrote it (None outside escalations).
    escalation_step: Mapped[int | None] = mapped_column(Integer)
    # sms | call | email | redirect (move a live call to `body`, a TwiML URL)
    channel: Mapped[OutboxChannel] = mapped_column(
        StrEnumColumn(OutboxChannel, 8), default=OutboxChannel.SMS
    )
    # A phone number (E.164), or for a redirect the CallSid of the live call.
    to_number: Mapped[str] = mapped_column(String(64))
    to_address: Mapped[str | None] = mapped_column(String(254))  # email
    subject: Mapped[str | None] = mapped_column(String(200))  # email
    body: Mapped[str] = mapped_column(Text)
    # pending → sending → sent | failed, or cancelled (acknowledged before it left);
    # delivery_status follows Twilio's callbacks (for calls: the call's final status).
    status: Mapped[OutboxStatus] = mapped_column(
        StrEnumColumn(OutboxStatus, 12), default=OutboxStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_until: Mapped[datetime | None]
    provider_sid: Mapped[str | None] = mapped_column(String(64), index=True)
    delivery_status: Mapped[str | None] = mapped_column(String(16))
    error_code: Mapped[str | None] = mapped_column(String(16))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    # The voice page whose call also carries this one (several due to one phone at once
    # ring it once); set when the relay claims them together.
    carried_by_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"))
    # When the first attempt began whose answer was lost after it reached Twilio (a read
    # time-out, a lease that ran out mid-send): before texting again, the relay asks
    # Twilio whether that text went after all.
    uncertain_since: Mapped[datetime | None]

    def lease(self, until: datetime) -> None:
        """Claim the row for one send until `until` (the claim's token); counts an attempt."""
        self.status, self.lease_until = OutboxStatus.SENDING, until
        self.attempts += 1

    def is_leased_until(self, until: datetime) -> bool:
        """Still being sent under the claim that leased it until `until`."""
        # The lease is the claim's token: a row re-claimed by another relay carries a new one.
        return self.status == OutboxStatus.SENDING and self.lease_until == until

    def retry_at(self, when: datetime) -> None:
        """Back to pending, due at `when`, its lease dropped."""
        self.status, self.lease_until, self.next_attempt_at = OutboxStatus.PENDING, None, when

    def release(self, now: datetime) -> None:
        """Hand back a claim that was never tried: due again now, the attempt not counted."""
        self.retry_at(now)
        self.attempts -= 1

    def mark_sent(self, sid: str, now: datetime) -> None:
        """It left: Twilio's SID (or the email's Message-ID) and when."""
        # A Message-ID can outgrow the column that holds Twilio's 34-character SIDs.
        self.status, self.provider_sid, self.sent_at = OutboxStatus.SENT, sid[:64], now
        self.lease_until, self.error_code = None, None

    def note_uncertain(self, since: datetime) -> None:
        """An attempt begun at `since` may have reached Twilio; the earliest one counts."""
        if self.uncertain_since is None or since < self.uncertain_since:
            self.uncertain_since = since

    def note_error(self, error_code: str | None, error: str) -> None:
        """The last error a send met."""
        self.error_code, self.last_error = error_code, error

    def mark_failed(self, error_code: str | None, error: str) -> None:
        """Given up: it is not tried again."""
        self.status, self.lease_until = OutboxStatus.FAILED, None
        self.note_error(error_code, error)

    def cancel(self) -> None:
        """Not to be sent after all (its emergency was answered before it left)."""
        self.status = OutboxStatus.CANCELLED
