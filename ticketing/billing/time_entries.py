"""Billing time spent: logging time entries and the rules that turn them into invoice lines.

The rules (all money exact Decimal, never float):

- Terms: the client's agreements in force on the local date of a ticket's first unbilled
  entry. The agreement of the kind matching the service class (help_desk → help_desk,
  emergency → emergency_support; professional work has no kind of its own) comes first,
  the MSA second; the first of them sets the increment, the emergency minimum and the
  multiplier, and a rate missing on it is taken from the MSA.
- Emergency work with no emergency_rate on either is billed at the help-desk rate x the
  emergency multiplier: emergencies are support calls, not project work.
- No agreement in force (neither kind nor MSA): STANDARD_RATES, 15-minute increments, a
  one-hour emergency minimum, and the ticket is flagged for payment contact.
- Billable minutes of a ticket in a run: the sum of its unbilled entries rounded UP to the
  increment; emergency work is billed at least the minimum, once per ticket (not per
  entry, and not again once an earlier invoice, not void, billed work on it).
- Retainer first: with `apply_retainer`, the billable hours draw the pre-paid ledger down
  (x the pre-paid agreement's multiplier for emergencies); only the rest is billed, and a
  0.00 line shows what was drawn.
- Money: the unit price and each line's amount are rounded to the cent, half up (a derived
  emergency rate is a price printed on the invoice, so it is a cent amount too); totals
  are sums of lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ticketing.billing import hour_limits, retainer
from ticketing.billing.invoices import line_amount, money
from ticketing.billing.models import (
    Agreement,
    AgreementKind,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    TimeEntry,
)
from ticketing.directory import technician_by_name
from ticketing.errors import DomainError, NotFound
from ticketing.event_kinds import EventKind
from ticketing.models import ServiceClass, Technician, Ticket
from ticketing.timeline import add_event
from ticketing.wallclock import business_zone

# The class of a line drawing pre-paid hours: the agreement kind they were bought under.
RETAINER_CLASS = AgreementKind.PREPAID_HOURS
# Hourly rates for a client with no agreement in force (the firm's published rates).
STANDARD_RATES = {
    ServiceClass.HELP_DESK: Decimal("110.00"),
    ServiceClass.PROFESSIONAL_SERVICE: Decimal("150.00"),
    ServiceClass.EMERGENCY: Decimal("195.00"),
}
STANDARD_INCREMENT_MINUTES = 15
STANDARD_MINIMUM_MINUTES = 60
DEFAULT_MULTIPLIER = Decimal("1.5")
ONE = Decimal(1)
MAX_MINUTES = 24 * 60
HUNDREDTH = Decimal("0.01")
RATE_FIELD = {
    ServiceClass.HELP_DESK: "help_desk_rate",
    ServiceClass.PROFESSIONAL_SERVICE: "professional_rate",
    ServiceClass.EMERGENCY: "emergency_rate",
}
KIND_FOR_CLASS = {
    ServiceClass.HELP_DESK: AgreementKind.HELP_DESK,
    ServiceClass.EMERGENCY: AgreementKind.EMERGENCY_SUPPORT,
}


@dataclass(frozen=True)
class Terms:
    """How one ticket's work is billed: hourly rate, increment, minimum, and where from."""

    rate: Decimal
    increment_minutes: int
    minimum_minutes: int
    agreement_id: int | None  # None: standard rates, no agreement in force
    multiplier: Decimal | None = None  # set when the rate is a base rate x multiplier


@dataclass(frozen=True)
class LinePlan:
    """One invoice line to write; `carries_entries` marks the line the entries are billed on."""

    service_class: str
    description: str
    quantity: Decimal
    unit_price: Decimal
    carries_entries: bool

    @property
    def amount(self) -> Decimal:
        """Quantity x unit price, to the cent."""
        return line_amount(self.quantity, self.unit_price)


def hours_of(minutes: int) -> Decimal:
    """Minutes as hours, to the hundredth (half up)."""
    return (Decimal(minutes) / 60).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def billable_minutes(worked: int, increment: int, minimum: int = 0) -> int:
    """`worked` rounded UP to the increment, and at least `minimum` when anything was worked."""
    if worked <= 0:
        return 0
    step = max(increment, 1)
    rounded = -(-worked // step) * step
    return max(rounded, minimum)


def label(service_class: str) -> str:
    """ "help_desk" → "Help desk"."""
    return ServiceClass.label_of(service_class)


def _latest(agreements: Sequence[Agreement], kind: str | None) -> Agreement | None:
    found = [a for a in agreements if a.kind == kind]
    return max(found, key=lambda a: (a.starts_on, a.id or 0)) if found else None


def standard_terms(service_class: str) -> Terms:
    """The terms for a client with no agreement in force."""
    minimum = STANDARD_MINIMUM_MINUTES if service_class == ServiceClass.EMERGENCY else 0
    return Terms(STANDARD_RATES[service_class], STANDARD_INCREMENT_MINUTES, minimum, None)


def terms_for(service_class: str, agreements: Sequence[Agreement]) -> Terms:
    """The terms of `service_class` work under the agreements in force (pure)."""
    kinds = (KIND_FOR_CLASS.get(service_class), AgreementKind.MSA)
    chain = [a for a in (_latest(agreements, kind) for kind in kinds) if a is not None]
    if not chain:
        return standard_terms(service_class)
    main = chain[0]
    increment = main.billing_increment_minutes or STANDARD_INCREMENT_MINUTES
    minimum = 0
    if service_class == ServiceClass.EMERGENCY:
        minimum = main.emergency_minimum_minutes
        minimum = STANDARD_MINIMUM_MINUTES if minimum is None else minimum
    rate = _first(chain, RATE_FIELD[service_class])
    if rate is not None:
        return Terms(money(rate), increment, minimum, main.id)
    base = _first(chain, "help_desk_rate") if service_class == ServiceClass.EMERGENCY else None
    if base is None:  # the agreement names no rate for this work: the published one
        return Terms(STANDARD_RATES[service_class], increment, minimum, main.id)
    multiplier = main.emergency_multiplier or DEFAULT_MULTIPLIER
    return Terms(money(base * multiplier), increment, minimum, main.id, multiplier)


def _first(chain: Sequence[Agreement], field: str) -> Decimal | None:
    rates = [getattr(a, field) for a in chain if getattr(a, field) is not None]
    return Decimal(rates[0]) if rates else None


def agreements_in_force(session: Session, client_id: int, day: date) -> list[Agreement]:
    """The client's agreements whose term covers `day`."""
    stmt = select(Agreement).where(
        Agreement.client_id == client_id,
        Agreement.starts_on <= day,
        or_(Agreement.ends_on.is_(None), Agreement.ends_on >= day),
    )
    return list(session.scalars(stmt))


def minimum_already_billed(session: Session, ticket_id: int) -> bool:
    """An invoice (not void) already billed work on this ticket, so its minimum too."""
    stmt = (
        select(InvoiceLine.id)
        .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
        .where(InvoiceLine.ticket_id == ticket_id, Invoice.status != InvoiceStatus.VOID)
    )
    return session.scalar(stmt.limit(1)) is not None


def _short(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _retainer_line(ticket: Ticket, drawn: Decimal, covered: Decimal, mult: Decimal) -> LinePlan:
    times = f" × {_short(mult)}" if mult != 1 else ""
    text = (
        f"Ticket #{ticket.number} — Pre-paid hours applied: {drawn} h ({covered} h of work{times})"
    )
    return LinePlan(RETAINER_CLASS, text, drawn, Decimal("0.00"), False)


def _billable(
    session: Session, ticket: Ticket, entries: Sequence[TimeEntry], day: date, now: datetime
) -> tuple[Terms, int, bool]:
    """The ticket's terms, its billable minutes, and whether the minimum raised them."""
    terms = terms_for(
        ticket.service_class, agreements_in_force(session, ticket.client_id or 0, day)
    )
    if terms.agreement_id is None:
        _flag_payment_contact(session, ticket, now)
    minimum = terms.minimum_minutes
    if minimum and minimum_already_billed(session, ticket.id):
        minimum = 0  # the minimum is billed once per emergency ticket
    worked = sum(e.minutes for e in entries)
    rounded = billable_minutes(worked, terms.increment_minutes)
    billed = billable_minutes(worked, terms.increment_minutes, minimum)
    return terms, billed, billed > rounded


def plan_lines(
    session: Session,
    ticket: Ticket,
    entries: Sequence[TimeEntry],
    *,
    now: datetime,
    day: date,
    timezone: str | ZoneInfo | None = None,
) -> list[LinePlan]:
    """The lines billing `entries` (unbilled, one ticket) on `day`'s terms; draws pre-paid
    hours first and flags a client with no agreement for payment contact."""
    cls = ticket.service_class
    terms, billed, minimum_applied = _billable(session, ticket, entries, day, now)
    hours = hours_of(billed)
    emergency = cls == ServiceClass.EMERGENCY
    mult = retainer.multiplier_for(session, ticket.client_id or 0, day) if emergency else ONE
    drawn, left = retainer.draw(
        session, ticket, hours, emergency=emergency, multiplier=mult, now=now, timezone=timezone
    )
    lines = [_retainer_line(ticket, drawn, hours - left, mult)] if drawn > 0 else []
    if left <= 0 and lines:  # all pre-paid: the entries are billed on the 0.00 line
        return [replace(lines[0], carries_entries=True)]
    text = f"Ticket #{ticket.number} — {label(cls)} — {left} h"
    if minimum_applied:
        text += f" (minimum {_short(hours_of(billed))} h)"
    return [*lines, LinePlan(cls, text, left, terms.rate, True)]


def _flag_payment_contact(session: Session, ticket: Ticket, now: datetime) -> None:
    if ticket.payment_contact:
        return
    ticket.payment_contact = True
    text = "No agreement in force: billed at standard rates; flagged for payment contact"
    add_event(session, ticket.id, EventKind.BILLING, text, at=now)


def _technician(session: Session, technician: Technician | str) -> Technician:
    if isinstance(technician, Technician):
        return technician
    found = technician_by_name(session, technician)
    if found is None:
        raise NotFound(f"no technician named {technician!r}")
    return found


def log_time(
    session: Session,
    ticket: Ticket | int,
    technician: Technician | str,
    *,
    started_at: datetime,
    minutes: int,
    note: str = "",
    logged_by: str,
    now: datetime,
    timezone: str | ZoneInfo | None = None,
) -> TimeEntry:
    """Record `minutes` a technician spent on a ticket from `started_at` (not before it was
    opened); on the timeline. The representative hears when a request's hour limit nears."""
    if isinstance(ticket, int):
        found = session.get(Ticket, ticket)
        if found is None:
            raise NotFound(f"there is no ticket #{ticket}")
        ticket = found
    tech = _technician(session, technician)
    _check_entry(tech, started_at, minutes, note, now)
    # Starts are kept to the minute: work begun in the minute the call came in counts.
    if started_at < ticket.opened_at.replace(second=0, microsecond=0):
        opened = ticket.opened_at.astimezone(business_zone(timezone))
        raise DomainError(
            f"the work cannot start before ticket #{ticket.number} was opened "
            f"({opened:%Y-%m-%d %H:%M})"
        )
    note = note.strip()
    entry = TimeEntry(
        ticket_id=ticket.id,
        technician_id=tech.id,
        started_at=started_at,
        minutes=minutes,
        note=note,
        logged_by=logged_by,
        created_at=now,
    )
    session.add(entry)
    text = f"{tech.name} logged {minutes} min" + (f" ({note})" if note else "")
    add_event(session, ticket.id, EventKind.TIME, text, at=now, actor=logged_by or tech.name)
    session.flush()
    hour_limits.tell_before_over(session, ticket, now=now)
    return entry


def _check_entry(
    tech: Technician, started_at: datetime, minutes: int, note: str, now: datetime
) -> None:
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise DomainError("minutes must be a whole number")
    if not 1 <= minutes <= MAX_MINUTES:
        raise DomainError(f"minutes must be from 1 to {MAX_MINUTES}, not {minutes}")
    if started_at.tzinfo is None:
        raise DomainError("the start needs a time zone")
    if started_at > now:
        raise DomainError("the start is in the future")
    if not tech.active:
        raise DomainError(f"{tech.name} is not an active technician")
    if len(note.strip()) > 500:
        raise DomainError("a note is at most 500 characters")
