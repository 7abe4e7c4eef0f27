"""Executive reports: a client's support use per month and service class, aggregated in SQL.

Figures per month (in the business time zone) and class:

- tickets: tickets opened that month, counted in their current class (a reclassified
  emergency counts as help desk);
- hours and amount: the quantity and amount of invoice lines of that class on issued or
  paid invoices (drafts are not final, void ones were cancelled). A line's month is its
  invoice's billing period (YYYY-MM), else the month it was issued on. Until time entries
  exist, the invoice lines are the record of hours worked; lines without a class (e.g. a
  purchase of pre-paid hours) are not support use and are left out. Work paid from pre-paid
  hours is support use too: its 0.00 line counts in its ticket's class, for the hours of
  work it covers (the hours drawn divided by the multiplier they were drawn at), in its
  invoice's month like the billed lines, so a ticket and the hours worked on it land in
  the same month (not in the month of the billing run that drew them);
- emergency time-to-acknowledge: from `opened_at` to `acknowledged_at`, in minutes, median
  and worst per month of opening.

Months are bucketed by comparing UTC timestamps with each local month's UTC bounds
(ticketing/billing/months.py): a ticket at 2026-12-01 03:00 UTC belongs to November in New
York, and the same SQL runs on SQLite and PostgreSQL. Months without activity are reported
with zeros.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import ColumnElement, case, extract, func, literal_column, or_, select
from sqlalchemy.orm import Session

from ticketing.billing.models import (
    AgreementKind,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    RetainerEntry,
    RetainerKind,
)
from ticketing.billing.months import MonthBuckets, first_of_month, months_in
from ticketing.errors import DomainError
from ticketing.models import ServiceClass, Ticket

SERVICE_CLASSES = (
    ServiceClass.HELP_DESK,
    ServiceClass.PROFESSIONAL_SERVICE,
    ServiceClass.EMERGENCY,
)
ALL_CLASSES = "all"
CLASS_LABELS = {c.value: c.plural_label for c in SERVICE_CLASSES} | {ALL_CLASSES: "All classes"}
MAX_MONTHS = 36
BILLED_STATUSES = (InvoiceStatus.ISSUED, InvoiceStatus.PAID)
CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def check_range(start: date, end: date) -> None:
    """Refuse a range that ends before it starts or spans more than MAX_MONTHS months."""
    if end < start:
        raise DomainError("the end month must be the same as or after the start month")
    if len(months_in(start, end)) > MAX_MONTHS:
        raise DomainError(f"choose at most {MAX_MONTHS} months")


def _money(value: Any) -> Decimal:
    # SQLite sums NUMERIC as floating point: back to exact hundredths.
    return Decimal(str(value or 0)).quantize(CENT, rounding=ROUND_HALF_UP)


def _minutes(value: Any) -> float | None:
    return None if value is None else round(float(value), 1)


@dataclass(frozen=True)
class Figures:
    """Tickets opened, hours billed and amount billed."""

    tickets: int = 0
    hours: Decimal = ZERO
    amount: Decimal = ZERO

    def __add__(self, other: Figures) -> Figures:
        return Figures(
            self.tickets + other.tickets, self.hours + other.hours, self.amount + other.amount
        )


@dataclass(frozen=True)
class AckStats:
    """Emergency time-to-acknowledge: how many were acknowledged, median and worst minutes."""

    acknowledged: int = 0
    median_minutes: float | None = None
    worst_minutes: float | None = None


@dataclass(frozen=True)
class MonthUsage:
    """One month's figures per service class and its emergency acknowledgement times."""

    month: date
    by_class: dict[str, Figures]
    ack: AckStats

    @property
    def key(self) -> str:
        """The month as YYYY-MM."""
        return f"{self.month:%Y-%m}"

    @property
    def label(self) -> str:
        """The month as people read it, e.g. "Nov 2026"."""
        return f"{self.month:%b %Y}"

    @property
    def total(self) -> Figures:
        """All classes together."""
        return sum(self.by_class.values(), Figures())


@dataclass(frozen=True)
class UsageRow:
    """One row of the report: a month (or None for the totals) and a service class."""

    month: date | None
    service_class: str
    figures: Figures
    ack: AckStats | None  # emergency rows only


@dataclass(frozen=True)
class UsageReport:
    """A client's support use over a range of months, with totals."""

    start: date
    end: date
    months: list[MonthUsage]
    ack: AckStats = field(default_factory=AckStats)

    def total(self, service_class: str) -> Figures:
        """One class over the whole range."""
        return sum((m.by_class[service_class] for m in self.months), Figures())

    @property
    def grand_total(self) -> Figures:
        """Every class over the whole range."""
        return sum((m.total for m in self.months), Figures())

    def rows(self) -> list[UsageRow]:
        """Month x class rows, then the totals per class and of everything (the table and
        the CSV both show these)."""
        rows = [
            UsageRow(m.month, c, m.by_class[c], m.ack if c == ServiceClass.EMERGENCY else None)
            for m in self.months
            for c in SERVICE_CLASSES
        ]
        rows += [
            UsageRow(None, c, self.total(c), self.ack if c == ServiceClass.EMERGENCY else None)
            for c in SERVICE_CLASSES
        ]
        return [*rows, UsageRow(None, ALL_CLASSES, self.grand_total, None)]


def _ticket_counts(session: Session, client_id: int, b: MonthBuckets) -> dict[tuple[int, str], int]:
    inner = (
        select(b.by_moment(Ticket.opened_at).label("m"), Ticket.service_class.label("cls"))
        .where(Ticket.client_id == client_id, Ticket.drill.is_(False), b.in_range(Ticket.opened_at))
        .subquery()
    )
    # Grouped outside the subquery: PostgreSQL would not match a GROUP BY on an expression
    # whose bound parameters are numbered apart from the SELECT's.
    stmt = select(inner.c.m, inner.c.cls, func.count()).group_by(inner.c.m, inner.c.cls)
    return {(int(m), cls): int(n) for m, cls, n in session.execute(stmt) if m is not None}


def _billed(
    session: Session, client_id: int, b: MonthBuckets
) -> dict[tuple[int, str], tuple[Decimal, Decimal]]:
    inner = (
        select(
            b.by_invoice().label("m"),
            InvoiceLine.service_class.label("cls"),
            InvoiceLine.quantity.label("qty"),
            InvoiceLine.amount.label("amount"),
        )
        .join(Invoice, InvoiceLine.invoice_id == Invoice.id)
        .where(
            Invoice.client_id == client_id,
            Invoice.status.in_(BILLED_STATUSES),
            InvoiceLine.service_class.in_(SERVICE_CLASSES),
        )
        .subquery()
    )
    stmt = (
        select(inner.c.m, inner.c.cls, func.sum(inner.c.qty), func.sum(inner.c.amount))
        .where(inner.c.m.is_not(None))
        .group_by(inner.c.m, inner.c.cls)
    )
    return {(int(m), c): (_money(q), _money(a)) for m, c, q, a in session.execute(stmt)}


def _prepaid_work(
    session: Session, client_id: int, b: MonthBuckets
) -> dict[tuple[int, str], Decimal]:
    """Hours of work paid from pre-paid hours, per month and the class of their ticket."""
    # A pre-paid line's quantity is the hours drawn: x the multiplier for emergency work.
    multiplier = (
        select(func.max(RetainerEntry.multiplier))
        .where(
            RetainerEntry.ticket_id == InvoiceLine.ticket_id,
            RetainerEntry.kind == RetainerKind.USAGE,
        )
        .scalar_subquery()
    )
    stmt = (
        select(b.by_invoice(), Ticket.service_class, InvoiceLine.quantity, multiplier)
        .join(Invoice, InvoiceLine.invoice_id == Invoice.id)
        .join(Ticket, Ticket.id == InvoiceLine.ticket_id)
        .where(
            Invoice.client_id == client_id,
            Invoice.status.in_(BILLED_STATUSES),
            InvoiceLine.service_class == AgreementKind.PREPAID_HOURS,
            # Only the range's invoices: a client's pre-paid lines of every year would
            # each run the multiplier's subquery (and be thrown away here).
            b.by_invoice().is_not(None),
            Ticket.service_class.in_(SERVICE_CLASSES),
        )
    )
    hours: dict[tuple[int, str], Decimal] = defaultdict(lambda: ZERO)
    for month, cls, drawn, rate in session.execute(stmt):
        if month is not None and cls in SERVICE_CLASSES:
            work = Decimal(str(drawn)) / Decimal(str(rate or 1))
            hours[(int(month), cls)] += work.quantize(CENT, rounding=ROUND_HALF_UP)
    return hours


def _minutes_to_ack(session: Session) -> ColumnElement[Any]:
    if session.get_bind().dialect.name == "sqlite":
        days = func.julianday(Ticket.acknowledged_at) - func.julianday(Ticket.opened_at)
        return days * 1440.0
    return extract("epoch", Ticket.acknowledged_at - Ticket.opened_at) / 60


def _ack_stats(session: Session, client_id: int, b: MonthBuckets, *, by_month: bool) -> list[Any]:
    """Rows of (month index or 0, acknowledged, median, worst) computed with window
    functions (a portable median: the middle one or the mean of the middle two)."""
    month = b.by_moment(Ticket.opened_at) if by_month else literal_column("0")
    acked = (
        select(month.label("m"), _minutes_to_ack(session).label("mins"))
        .where(
            Ticket.client_id == client_id,
            Ticket.drill.is_(False),
            Ticket.service_class == ServiceClass.EMERGENCY.value,
            Ticket.acknowledged_at.is_not(None),
            b.in_range(Ticket.opened_at),
        )
        .subquery()
    )
    ranked = select(
        acked.c.m,
        acked.c.mins,
        func.row_number().over(partition_by=acked.c.m, order_by=acked.c.mins).label("rn"),
        func.count().over(partition_by=acked.c.m).label("n"),
    ).subquery()
    middle = or_(ranked.c.rn == (ranked.c.n + 1) // 2, ranked.c.rn == (ranked.c.n + 2) // 2)
    stmt = select(
        ranked.c.m,
        func.count(),
        func.avg(case((middle, ranked.c.mins), else_=None)),
        func.max(ranked.c.mins),
    ).group_by(ranked.c.m)
    return list(session.execute(stmt))


def usage(
    session: Session,
    client_id: int,
    start_month: date,
    end_month: date,
    *,
    timezone: str = "America/New_York",
) -> UsageReport:
    """The client's support use from `start_month` to `end_month` (both included)."""
    start, end = first_of_month(start_month), first_of_month(end_month)
    check_range(start, end)
    b = MonthBuckets(start, end, timezone)
    counts = _ticket_counts(session, client_id, b)
    billed = _billed(session, client_id, b)
    for key, hours in _prepaid_work(session, client_id, b).items():
        qty, amount = billed.get(key, (ZERO, ZERO))
        billed[key] = (qty + hours, amount)
    acks = {
        int(row[0]): _ack(row)
        for row in _ack_stats(session, client_id, b, by_month=True)
        if row[0] is not None
    }
    months = [
        MonthUsage(month, _figures(i, counts, billed), acks.get(i, AckStats()))
        for i, month in enumerate(b.months)
    ]
    overall = _ack_stats(session, client_id, b, by_month=False)
    ack = _ack(overall[0]) if overall else AckStats()
    return UsageReport(start, end, months, ack)


def _ack(row: Any) -> AckStats:
    return AckStats(int(row[1]), _minutes(row[2]), _minutes(row[3]))


def _figures(
    index: int,
    counts: dict[tuple[int, str], int],
    billed: dict[tuple[int, str], tuple[Decimal, Decimal]],
) -> dict[str, Figures]:
    return {
        c: Figures(counts.get((index, c), 0), *billed.get((index, c), (ZERO, ZERO)))
        for c in SERVICE_CLASSES
    }


def class_label(service_class: str) -> str:
    """How a service class is written for people."""
    return CLASS_LABELS.get(service_class, service_class.replace("_", " ").capitalize())
