"""Models of what clients pay for: agreements, the pre-paid hour ledger, invoices, payments.

Money is Numeric (exact decimals, never floats); the retainer balance is the sum of
its ledger, never a stored number that can drift.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ticketing.orm import Base, StrEnumColumn, utcnow


class AgreementKind(enum.StrEnum):
    """What an agreement covers."""

    MSA = "msa"
    HELP_DESK = "help_desk"
    EMERGENCY_SUPPORT = "emergency_support"
    PREPAID_HOURS = "prepaid_hours"


class RetainerKind(enum.StrEnum):
    """A line of the pre-paid hour ledger: hours bought (+), drawn by a ticket (-), or
    corrected (a voided invoice gives its hours back)."""

    PURCHASE = "purchase"
    USAGE = "usage"
    ADJUSTMENT = "adjustment"


class InvoiceStatus(enum.StrEnum):
    """Where an invoice stands: draft → issued → paid | void."""

    DRAFT = "draft"
    ISSUED = "issued"
    PAID = "paid"
    VOID = "void"


AGREEMENT_KINDS = tuple(kind.value for kind in AgreementKind)
MONEY = Numeric(12, 2)
HOURS = Numeric(10, 2)


class Agreement(Base):
    """A contract with a client: its term, rates and what it entitles."""

    __tablename__ = "agreements"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    kind: Mapped[AgreementKind] = mapped_column(StrEnumColumn(AgreementKind, 20))
    name: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    help_desk_rate: Mapped[Decimal | None] = mapped_column(MONEY)
    professional_rate: Mapped[Decimal | None] = mapped_column(MONEY)
    emergency_rate: Mapped[Decimal | None] = mapped_column(MONEY)
    # Pre-paid hours drawn for emergency work: hours x multiplier.
    emergency_multiplier: Mapped[Decimal] = mapped_column(Numeric(4, 2), default=Decimal("1.5"))
    billing_increment_minutes: Mapped[int] = mapped_column(default=15)
    emergency_minimum_minutes: Mapped[int] = mapped_column(default=60)
    entitlements: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    client = relationship("Client")


class RetainerEntry(Base):
    """One line of a client's pre-paid hour ledger: + purchased, - used (per ticket)."""

    __tablename__ = "retainer_ledger"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("agreements.id"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[RetainerKind] = mapped_column(StrEnumColumn(RetainerKind, 12))
    hours: Mapped[Decimal] = mapped_column(HOURS)
    # For usage: the work's hours before the multiplier, and the multiplier applied.
    work_hours: Mapped[Decimal | None] = mapped_column(HOURS)
    multiplier: Mapped[Decimal | None] = mapped_column(Numeric(4, 2))
    note: Mapped[str] = mapped_column(String(300), default="")


class Invoice(Base):
    """A bill to a client: draft → issued → paid | void."""

    __tablename__ = "invoices"
    __table_args__ = (UniqueConstraint("number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    number: Mapped[str] = mapped_column(String(32))
    status: Mapped[InvoiceStatus] = mapped_column(
        StrEnumColumn(InvoiceStatus, 8), default=InvoiceStatus.DRAFT, index=True
    )
    issued_on: Mapped[date | None] = mapped_column(Date, index=True)
    due_on: Mapped[date | None] = mapped_column(Date)
    period: Mapped[str | None] = mapped_column(String(7))  # YYYY-MM of a billing run
    total: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    paid_at: Mapped[datetime | None]
    emailed_at: Mapped[datetime | None]

    client = relationship("Client")
    lines: Mapped[list[InvoiceLine]] = relationship(
        back_populates="invoice", order_by="InvoiceLine.id", cascade="all, delete-orphan"
    )
    payments: Mapped[list[Payment]] = relationship(back_populates="invoice", order_by="Payment.id")

    @property
    def is_settled(self) -> bool:
        """Paid or void: nothing more is owed on it."""
        return self.status in (InvoiceStatus.PAID, InvoiceStatus.VOID)

    def mark_paid(self, now: datetime) -> None:
        """Its payments cover the total."""
        self.status, self.paid_at = InvoiceStatus.PAID, now

    def void(self) -> None:
        """Cancelled: it is no longer owed."""
        self.status = InvoiceStatus.VOID


class InvoiceLine(Base):
    """One billed item."""

    __tablename__ = "invoice_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    service_class: Mapped[str | None] = mapped_column(String(24))
    description: Mapped[str] = mapped_column(String(500))
    quantity: Mapped[Decimal] = mapped_column(HOURS)
    unit_price: Mapped[Decimal] = mapped_column(MONEY)
    amount: Mapped[Decimal] = mapped_column(MONEY)

    invoice: Mapped[Invoice] = relationship(back_populates="lines")


class Payment(Base):
    """Money received against an invoice; `reference` (e.g. a Stripe payment) is unique so
    an event delivered twice is recorded once."""

    __tablename__ = "payments"
    __table_args__ = (UniqueConstraint("reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    method: Mapped[str] = mapped_column(String(16))  # card | check | transfer | ...
    reference: Mapped[str] = mapped_column(String(120))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)

    invoice: Mapped[Invoice] = relationship(back_populates="payments")


class TimeEntry(Base):
    """Time a technician spent on a ticket; billed once, by the monthly billing run."""

    __tablename__ = "time_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("technicians.id"))
    started_at: Mapped[datetime] = mapped_column(index=True)
    minutes: Mapped[int]
    note: Mapped[str] = mapped_column(String(500), default="")
    logged_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set by the billing run: the invoice line this time was billed on (None = unbilled).
    invoice_line_id: Mapped[int | None] = mapped_column(ForeignKey("invoice_lines.id"), index=True)

    ticket = relationship("Ticket")
    technician = relationship("Technician")
