"""Billing in a few words: agreements, time entries, and exact amounts read back."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from tests.support.moments import NY
from ticketing.billing.models import Agreement, InvoiceLine, TimeEntry
from ticketing.billing.time_entries import log_time
from ticketing.models import Client, Technician, Ticket

D = Decimal


def add_agreement(
    session: Session,
    client: Client,
    kind: str = "msa",
    *,
    help_desk: str | None = "120.00",
    professional: str | None = "160.00",
    emergency: str | None = None,
    multiplier: str = "1.5",
    increment: int = 15,
    minimum: int = 60,
    starts_on: date = date(2026, 1, 1),
) -> Agreement:
    """An agreement in force from `starts_on`, with the rates given (None = not set)."""
    agreement = Agreement(
        client_id=client.id,
        kind=kind,
        name=f"{kind} for {client.name}",
        starts_on=starts_on,
        help_desk_rate=D(help_desk) if help_desk else None,
        professional_rate=D(professional) if professional else None,
        emergency_rate=D(emergency) if emergency else None,
        emergency_multiplier=D(multiplier),
        billing_increment_minutes=increment,
        emergency_minimum_minutes=minimum,
    )
    session.add(agreement)
    session.flush()
    return agreement


def work(
    session: Session,
    ticket: Ticket,
    tech: Technician,
    start: str,
    minutes: int,
    now: datetime,
    note: str = "",
) -> TimeEntry:
    """Log `minutes` from the local moment "YYYY-MM-DD HH:MM"."""
    started = datetime.strptime(start, "%Y-%m-%d %H:%M").replace(tzinfo=NY)
    return log_time(
        session, ticket, tech, started_at=started, minutes=minutes, note=note,
        logged_by="Priya Nair", now=now,
    )  # fmt: skip


def money_of(line: InvoiceLine) -> tuple[Decimal, Decimal, Decimal]:
    """(quantity, unit price, amount), each checked to be an exact Decimal."""
    values = (line.quantity, line.unit_price, line.amount)
    assert all(isinstance(v, Decimal) for v in values), values
    return values
