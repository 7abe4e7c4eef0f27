"""The monthly billing run: one invoice per client from unbilled time, numbered and emailed.

Running it twice makes nothing twice: entries already billed carry their invoice line and
are skipped, and a client whose invoice for the period is already issued (or paid) gets
no second one; their late entries (logged after the run) stay unbilled and go on the
next month's run, which bills every unbilled entry started before its month ends. A
draft for the period is reused: new lines are added to it. Voiding an invoice makes its
entries unbilled again and gives back the pre-paid hours it drew, so a re-run bills them.

The scheduler's sweep runs the previous month once, from 06:00 local on the first business
day on (a missed day catches up); any invoice of that period, even void, means it ran.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import groupby
from uuid import uuid4

from sqlalchemy import select
from sqlalchemy.orm import Session

from ivr.calendar import BusinessCalendar
from ticketing.billing import invoices
from ticketing.billing.models import (
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    RetainerEntry,
    RetainerKind,
    TimeEntry,
)
from ticketing.billing.time_entries import RETAINER_CLASS, plan_lines
from ticketing.calendar.days import CalendarSettings, business_calendar
from ticketing.calendar.models import CalendarDayKind
from ticketing.errors import DomainError, NotFound
from ticketing.models import Client, Ticket
from ticketing.wallclock import business_zone, local_instant

RUN_AFTER = time(6, 0)
ZERO = Decimal("0.00")


@dataclass
class RunReport:
    """What a run made: invoices (new or added to) and why anything was left unbilled."""

    month: str
    invoices: list[Invoice] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def parse_month(month: str) -> date:
    """ "YYYY-MM" → the first day of that month, or a DomainError."""
    try:
        return datetime.strptime(month.strip(), "%Y-%m").date()
    except ValueError:
        raise DomainError(f"{month!r} is not a month; use YYYY-MM, e.g. 2026-11") from None


def next_month(first: date) -> date:
    """The first day of the month after the one `first` is in."""
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1)


def month_bounds(month: str, timezone: str | None) -> tuple[datetime, datetime]:
    """The UTC instants a local month starts and ends at (DST-exact, via zoneinfo)."""
    tz = business_zone(timezone)
    first = parse_month(month)
    start = datetime.combine(first, time())
    end = datetime.combine(next_month(first), time())
    return local_instant(start, tz), local_instant(end, tz)


def local_month(moment: datetime, timezone: str | None) -> str:
    """The "YYYY-MM" of `moment` on the business's wall clock."""
    return f"{moment.astimezone(business_zone(timezone)):%Y-%m}"


def _unbilled(session: Session, before: datetime) -> list[TimeEntry]:
    stmt = (
        select(TimeEntry)
        .join(Ticket, Ticket.id == TimeEntry.ticket_id)
        # A drill's time is a rehearsal's, never a client's bill.
        .where(
            TimeEntry.invoice_line_id.is_(None),
            TimeEntry.started_at < before,
            Ticket.drill.is_(False),
        )
        .order_by(Ticket.client_id, TimeEntry.ticket_id, TimeEntry.started_at, TimeEntry.id)
        # Two runs at once (scheduler and CLI): the second waits and then sees them billed.
        .with_for_update(of=TimeEntry)
    )
    return list(session.scalars(stmt))


def _period_invoice(session: Session, client_id: int, month: str) -> Invoice | None:
    stmt = select(Invoice).where(
        Invoice.client_id == client_id,
        Invoice.period == month,
        Invoice.status != InvoiceStatus.VOID,
    )
    return session.scalars(stmt.order_by(Invoice.id)).first()


def _new_draft(session: Session, client_id: int, month: str, now: datetime) -> Invoice:
    # The number is unique: a placeholder until `issue` gives the real one.
    invoice = Invoice(client_id=client_id, number=f"DRAFT-{uuid4().hex[:24]}", period=month)
    invoice.created_at = now
    invoice.total = ZERO
    session.add(invoice)
    session.flush()
    invoice.number = f"DRAFT-{invoice.id:05d}"
    return invoice


def _open_invoice(
    session: Session, client_id: int, month: str, count: int, report: RunReport, now: datetime
) -> Invoice | None:
    """The client's draft for the period (or a new one); None if it is already issued."""
    invoice = _period_invoice(session, client_id, month)
    if invoice is None:
        return _new_draft(session, client_id, month, now)
    if invoice.status == InvoiceStatus.DRAFT:
        return invoice
    name = session.get(Client, client_id).name  # type: ignore[union-attr]
    report.skipped.append(
        f"{name}: {invoice.number} for {month} is {invoice.status}; "
        f"{count} late entries go on the next month's run"
    )
    return None


def _bill_ticket(
    session: Session, invoice: Invoice, entries: list[TimeEntry], now: datetime, tz: str | None
) -> None:
    ticket = entries[0].ticket
    day = entries[0].started_at.astimezone(business_zone(tz)).date()
    for plan in plan_lines(session, ticket, entries, now=now, day=day, timezone=tz):
        line = InvoiceLine(
            ticket_id=ticket.id,
            service_class=plan.service_class,
            description=plan.description,
            quantity=plan.quantity,
            unit_price=plan.unit_price,
            amount=plan.amount,
        )
        invoice.lines.append(line)
        session.flush()
        if plan.carries_entries:
            for entry in entries:
                entry.invoice_line_id = line.id


def run_billing(
    session: Session,
    month: str,
    *,
    now: datetime,
    public_base_url: str,
    timezone: str | None,
    firm_name: str | None,
    draft: bool = False,
) -> RunReport:
    """Bill every unbilled entry started before the end of `month` (local): one invoice per
    client for the period, issued and emailed unless `draft`."""
    _, end = month_bounds(month, timezone)
    if end > now:
        after = next_month(parse_month(month))
        raise DomainError(
            f"{month} is not over yet: its time can be billed once it has ended, from "
            f"{after:%A %B} {after.day}, {after.year} (the scheduler bills it by itself on "
            "the first business day after)"
        )
    report = RunReport(month)
    by_client: dict[int, list[TimeEntry]] = defaultdict(list)
    for entry in _unbilled(session, end):
        if entry.ticket.client_id is None:
            report.skipped.append(f"#{entry.ticket_id}: no client on the ticket")
        else:
            by_client[entry.ticket.client_id].append(entry)
    for client_id, entries in by_client.items():
        invoice = _open_invoice(session, client_id, month, len(entries), report, now)
        if invoice is None:
            continue
        for _, group in groupby(entries, key=lambda e: e.ticket_id):
            _bill_ticket(session, invoice, list(group), now, timezone)
        invoice.total = invoices.money(sum((ln.amount for ln in invoice.lines), ZERO))
        if not draft:
            _issue(session, invoice, now, public_base_url, timezone, firm_name)
        report.invoices.append(invoice)
    report.skipped = list(dict.fromkeys(report.skipped))
    return report


def _issue(
    session: Session,
    invoice: Invoice,
    now: datetime,
    public_base_url: str,
    timezone: str | None,
    firm_name: str | None,
) -> None:
    if invoice.number.startswith("DRAFT-"):
        invoice.number = ""  # `issue` numbers an unnumbered invoice
    invoices.issue(session, invoice, now, public_base_url, timezone=timezone, firm_name=firm_name)


def find_invoice(session: Session, number: str) -> Invoice:
    """The invoice with that number (INV-… or a draft's DRAFT-…), or NotFound."""
    invoice = session.scalar(select(Invoice).where(Invoice.number == number.strip()))
    if invoice is None:
        raise NotFound(f"there is no invoice {number}")
    return invoice


def issue_invoice(
    session: Session,
    number: str,
    *,
    now: datetime,
    public_base_url: str,
    timezone: str | None,
    firm_name: str | None,
) -> Invoice:
    """Draft → issued: numbered, dated, and the copy emailed."""
    invoice = find_invoice(session, number)
    if invoice.status != InvoiceStatus.DRAFT:
        raise DomainError(f"invoice {number} is {invoice.status}, not a draft")
    _issue(session, invoice, now, public_base_url, timezone, firm_name)
    return invoice


def void_invoice(session: Session, number: str, *, now: datetime) -> Invoice:
    """Draft or issued → void: its time entries become unbilled again and the pre-paid
    hours it drew go back to the client's balance."""
    invoice = find_invoice(session, number)
    if invoice.is_settled:
        raise DomainError(f"invoice {number} is {invoice.status}: it cannot be voided")
    if invoice.payments:
        raise DomainError(f"invoice {number} has payments recorded: refund them first")
    line_ids = [line.id for line in invoice.lines]
    for entry in session.scalars(select(TimeEntry).where(TimeEntry.invoice_line_id.in_(line_ids))):
        entry.invoice_line_id = None
    for line in invoice.lines:
        if line.service_class == RETAINER_CLASS and line.quantity > 0:
            session.add(_give_back(invoice, line, now))
    invoice.void()
    session.flush()
    return invoice


def _give_back(invoice: Invoice, line: InvoiceLine, now: datetime) -> RetainerEntry:
    return RetainerEntry(
        client_id=invoice.client_id,
        ticket_id=line.ticket_id,
        at=now,
        kind=RetainerKind.ADJUSTMENT,
        hours=line.quantity,
        note=f"Invoice {invoice.number} voided",
    )


def is_business_day(calendar: BusinessCalendar, day: date) -> bool:
    """Open that day: a working weekday, no closure, no holiday unless worked."""
    override = calendar.overrides.get(day)
    if override is not None and override.kind == CalendarDayKind.CLOSURE:
        return False
    worked = override is not None and override.kind == CalendarDayKind.OPEN
    if calendar.holiday_name(day) and not worked:
        return False
    return day.weekday() in calendar.hours.windows


def first_business_day(calendar: BusinessCalendar, first: date) -> date:
    """The first business day of the month starting on `first` (its 1st if none is)."""
    day = first
    while day.month == first.month:
        if is_business_day(calendar, day):
            return day
        day += timedelta(days=1)
    return first


def monthly_billing(
    session: Session,
    now: datetime,
    *,
    calendar_settings: CalendarSettings,
    public_base_url: str,
    firm_name: str | None,
) -> RunReport | None:
    """The scheduler's sweep: bill the previous month once its first business day is here."""
    calendar = business_calendar(session, calendar_settings)
    local = now.astimezone(calendar.timezone)
    this_month = local.date().replace(day=1)
    start = datetime.combine(first_business_day(calendar, this_month), RUN_AFTER)
    if local.replace(tzinfo=None) < start:
        return None
    month = f"{this_month - timedelta(days=1):%Y-%m}"
    ran = session.scalar(select(Invoice.id).where(Invoice.period == month).limit(1))
    if ran is not None:
        return None
    tz = calendar_settings.business_timezone
    if not _unbilled_exists(session, month_bounds(month, tz)[1]):
        return None
    return run_billing(
        session, month, now=now, public_base_url=public_base_url, timezone=tz, firm_name=firm_name
    )


def _unbilled_exists(session: Session, before: datetime) -> bool:
    stmt = (
        select(TimeEntry.id)
        .join(Ticket, Ticket.id == TimeEntry.ticket_id)
        .where(
            TimeEntry.invoice_line_id.is_(None),
            TimeEntry.started_at < before,
            Ticket.drill.is_(False),
        )
    )
    return session.scalar(stmt.limit(1)) is not None
