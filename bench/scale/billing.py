"""The scale seed's money: monthly invoices built from the tickets' time (the billing run's
rules: 15-minute increments, a one-hour emergency minimum, pre-paid hours first), payments
on most, a few void invoices and equipment invoices, the pre-paid hour ledger, and the time
entries pointing at the lines that billed them."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import NamedTuple

from bench.scale.people import ClientPlan
from bench.scale.tickets import EMERGENCY, ZONE, TicketPlan
from bench.scale.writer import BulkWriter
from ticketing.billing.models import (
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Payment,
    RetainerEntry,
    TimeEntry,
)
from ticketing.billing.months import add_months, first_of_month
from ticketing.billing.time_entries import RETAINER_CLASS, billable_minutes, hours_of, label

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
BLOCK_PRICE = Decimal("135.00")
FIRST_BLOCK = Decimal(20)
MULTIPLIER = Decimal("1.5")
MINUTE = timedelta(minutes=1)
EQUIPMENT = (("Receipt printer", "389.00"), ("Barcode scanner", "149.00"),
             ("Managed switch", "420.00"), ("Office suite licence, one year", "99.00"))  # fmt: skip


class Line(NamedTuple):
    """One invoice line to write."""

    id: int
    ticket_id: int | None
    service_class: str | None
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal


@dataclass
class Bill:
    """One invoice to write, with its lines."""

    id: int
    client: ClientPlan
    period: date | None
    issued: date
    lines: list[Line] = field(default_factory=list)
    void: bool = False

    @property
    def total(self) -> Decimal:
        """The sum of the lines."""
        return sum((line.amount for line in self.lines), ZERO)


@dataclass
class Books:
    """Everything the billing writes, gathered before it is written in FK order."""

    next_line: int
    bills: list[Bill] = field(default_factory=list)
    ledger: list[tuple] = field(default_factory=list)
    entry_line: dict[int, int] = field(default_factory=dict)  # ticket id → line billing it
    balances: dict[int, Decimal] = field(default_factory=dict)  # pre-paid hours left

    def line(
        self, ticket_id: int | None, cls: str | None, text: str, qty: Decimal, price: Decimal
    ) -> Line:
        """A new line with the next id."""
        made = Line(self.next_line, ticket_id, cls, text, qty, price, (qty * price).quantize(CENT))
        self.next_line += 1
        return made


def _local_month(moment: datetime) -> date:
    return first_of_month(moment.astimezone(ZONE).date())


def _noon(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=ZONE).astimezone(UTC)


def plan_months(
    rng: random.Random, plans: list[TicketPlan], now: datetime, target: int, busiest: int
) -> tuple[dict[tuple[int, date], list[TicketPlan]], int]:
    """The (client, month) invoices to bill tickets on, at most `target` - 1% (room for void
    ones); work of a month left out goes on the client's next invoice, as late entries do."""
    current = _local_month(now)
    work: dict[tuple[int, date], list[TicketPlan]] = defaultdict(list)
    for p in plans:
        if p.work and _local_month(p.work[0][0]) < current:
            work[(p.client.id, _local_month(p.work[0][0]))].append(p)
    voids = target // 100
    keys = list(work)
    rng.shuffle(keys)
    keys.sort(key=lambda k: k[0] != busiest)  # the busiest client is billed every month
    kept = set(keys[: target - voids])
    months: dict[tuple[int, date], list[TicketPlan]] = {}
    late: dict[int, list[TicketPlan]] = defaultdict(list)
    for key in sorted(work, key=lambda k: (k[1], k[0])):
        late[key[0]].extend(work[key])
        if key in kept:
            months[key] = late.pop(key[0])
    return months, voids


def bill_all(
    writer: BulkWriter,
    rng: random.Random,
    plans: list[TicketPlan],
    now: datetime,
    target: int,
    busiest: int,
) -> Books:
    """Plan every invoice, line, payment and ledger row (`target` invoices), then write them."""
    months, voids = plan_months(rng, plans, now, target, busiest)
    books = Books(next_line=writer.next_id(InvoiceLine.__table__))
    next_invoice = writer.next_id(Invoice.__table__)
    clients = {p.client.id: p.client for p in plans}
    # Every pre-paid client bought a first block before the history starts (see _ledger).
    books.balances = {c.id: FIRST_BLOCK for c in clients.values() if c.prepaid_agreement_id}
    for (client_id, month), billed in sorted(months.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        bill = Bill(next_invoice, clients[client_id], month, add_months(month, 1))
        next_invoice += 1
        for p in billed:
            _bill_ticket(books, bill, p)
        books.bills.append(bill)
    monthly, everyone = list(books.bills), list(clients.values())
    for n in range(target - len(books.bills)):
        if n < voids and monthly:  # billed at the wrong rates first, voided, billed again
            source = rng.choice(monthly)
            bill = Bill(next_invoice, source.client, source.period, source.issued, void=True)
            bill.lines = [
                books.line(
                    x.ticket_id, x.service_class, x.description, x.quantity, x.unit_price + 25
                )
                for x in source.lines[:5]
            ]
        else:
            bill = _equipment(books, rng, next_invoice, rng.choice(everyone), now)
        next_invoice += 1
        books.bills.append(bill)
    _write(writer, rng, books, plans, now)
    return books


def _bill_ticket(books: Books, bill: Bill, p: TicketPlan) -> None:
    """The ticket's line on the month's invoice (pre-paid hours first, as billing does)."""
    emergency = p.cls == EMERGENCY
    worked_minutes = sum(minutes for _, minutes in p.work)
    billed = billable_minutes(worked_minutes, 15, 60 if emergency else 0)
    worked = hours_of(billed)
    client = bill.client
    if p.apply_retainer and client.prepaid_agreement_id is not None:
        line = _draw(books, bill, p, worked, MULTIPLIER if emergency else Decimal(1))
    else:
        text = f"Ticket #{p.id} — {label(p.cls)} — {worked} h"
        if billed > billable_minutes(worked_minutes, 15):
            text += f" (minimum {hours_of(billed).normalize():f} h)"
        line = books.line(p.id, p.cls, text, worked, client.rates[p.cls])
    bill.lines.append(line)
    books.entry_line[p.id] = line.id


def _draw(books: Books, bill: Bill, p: TicketPlan, worked: Decimal, rate: Decimal) -> Line:
    """Pre-paid hours drawn for the ticket; a block is bought (and billed) when short."""
    client = bill.client
    drawn = (worked * rate).quantize(CENT)
    at = _noon(bill.issued)
    balance = books.balances.get(client.id, ZERO)
    if balance < drawn:
        block = FIRST_BLOCK * (int(drawn // FIRST_BLOCK) + 1)
        books.ledger.append((client.id, client.prepaid_agreement_id, None, at - MINUTE,
                             "purchase", block, None, None, f"{block} h block"))  # fmt: skip
        text = f"Pre-paid hours: {block} h block"
        bill.lines.append(books.line(None, None, text, block, BLOCK_PRICE))
        balance += block
    books.balances[client.id] = balance - drawn
    books.ledger.append((client.id, client.prepaid_agreement_id, p.id, at, "usage", -drawn,
                         worked, rate, f"Ticket #{p.id}"))  # fmt: skip
    times = f" × {rate.normalize():f}" if rate != 1 else ""
    text = f"Ticket #{p.id} — Pre-paid hours applied: {drawn} h ({worked} h of work{times})"
    return books.line(p.id, RETAINER_CLASS, text, drawn, ZERO)


def _equipment(
    books: Books, rng: random.Random, invoice_id: int, client: ClientPlan, now: datetime
) -> Bill:
    issued = (now - timedelta(days=rng.randrange(20, 3 * 365))).astimezone(ZONE).date()
    bill = Bill(invoice_id, client, None, issued)
    what, price = rng.choice(EQUIPMENT)
    bill.lines.append(books.line(None, None, what, Decimal(rng.randint(1, 3)), Decimal(price)))
    return bill


def _status(rng: random.Random, bill: Bill, today: date) -> tuple[InvoiceStatus, list[tuple]]:
    """The invoice's status and its payments (amount, method, day)."""
    if bill.void:
        return InvoiceStatus.VOID, []
    total = bill.total
    if total <= 0:
        return InvoiceStatus.PAID, []
    old = (today - bill.issued).days > 45
    u = rng.random()
    method = rng.choice(("check", "card", "transfer"))
    if (old and u < 0.96) or (not old and u < 0.3):
        paid = bill.issued + timedelta(days=rng.randint(3, 40 if old else 10))
        return InvoiceStatus.PAID, [(total, method, min(paid, today))]
    if old and u < 0.98:  # part paid, the rest overdue
        return InvoiceStatus.ISSUED, [
            ((total / 2).quantize(CENT), method, bill.issued + timedelta(days=20))
        ]
    return InvoiceStatus.ISSUED, []


INVOICE_COLUMNS = ("id", "client_id", "number", "status", "issued_on", "due_on", "period",
                   "total", "created_at", "paid_at", "emailed_at")  # fmt: skip
LINE_COLUMNS = ("id", "invoice_id", "ticket_id", "service_class", "description", "quantity",
                "unit_price", "amount")  # fmt: skip
PAYMENT_COLUMNS = ("invoice_id", "amount", "method", "reference", "received_at")
LEDGER_COLUMNS = ("client_id", "agreement_id", "ticket_id", "at", "kind", "hours", "work_hours",
                  "multiplier", "note")  # fmt: skip
ENTRY_COLUMNS = ("ticket_id", "technician_id", "started_at", "minutes", "note", "logged_by",
                 "created_at", "invoice_line_id")  # fmt: skip


def _write(
    writer: BulkWriter, rng: random.Random, books: Books, plans: list[TicketPlan], now: datetime
) -> None:
    today = now.astimezone(ZONE).date()
    invoices, payments = [], []
    for bill in books.bills:
        status, paid = _status(rng, bill, today)
        issued_at = _noon(bill.issued)
        paid_at = _noon(paid[-1][2]) if paid else issued_at
        invoices.append((bill.id, bill.client.id, f"INV-{bill.issued.year}-{bill.id:05d}", status,
                         bill.issued, bill.issued + timedelta(days=30),
                         f"{bill.period:%Y-%m}" if bill.period else None, bill.total, issued_at,
                         paid_at if status == InvoiceStatus.PAID else None, issued_at))  # fmt: skip
        for n, (amount, method, day) in enumerate(paid):
            payments.append((bill.id, amount, method, f"scale-{bill.id}-{n}", _noon(day)))
    writer.write(Invoice.__table__, INVOICE_COLUMNS, invoices)
    lines = ((x.id, b.id, *x[1:]) for b in books.bills for x in b.lines)
    writer.write(InvoiceLine.__table__, LINE_COLUMNS, lines)
    writer.write(Payment.__table__, PAYMENT_COLUMNS, payments)
    writer.write(RetainerEntry.__table__, LEDGER_COLUMNS, _ledger(books, plans))
    writer.write(TimeEntry.__table__, ENTRY_COLUMNS, _entries(books, plans))


def _ledger(books: Books, plans: list[TicketPlan]) -> Iterator[tuple]:
    """Each pre-paid client's first block, bought before the history starts, then the rest."""
    start = plans[0].opened - timedelta(days=1) if plans else datetime.now(UTC)
    for client_id, client in {p.client.id: p.client for p in plans}.items():
        if client.prepaid_agreement_id:
            yield (client_id, client.prepaid_agreement_id, None, start, "purchase", FIRST_BLOCK,
                   None, None, f"{FIRST_BLOCK} h block")  # fmt: skip
    yield from sorted(books.ledger, key=lambda row: row[3])


def _entries(books: Books, plans: list[TicketPlan]) -> Iterator[tuple]:
    for p in plans:
        line = books.entry_line.get(p.id)
        for start, minutes in p.work:
            logged = start + timedelta(minutes=minutes)
            yield (p.id, p.tech[0], start, minutes, "", p.tech[1], logged, line)
