"""CSV imports of invoices and agreements (`intake import invoices|agreements FILE.csv`).

All or nothing: every row is checked first and every error is reported with its line
number; only a file without a single error adds anything to the session. The caller
commits (or rolls back on a dry run). Columns are in INVOICE_COLUMNS / AGREEMENT_COLUMNS
and described in the CLI's --help.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing.billing.invoices import PAYMENT_TERMS_DAYS, ZERO, line_amount, money
from ticketing.billing.models import Invoice, InvoiceLine, InvoiceStatus

# import_agreements is re-exported: one module to import both imports from.
from ticketing.imports.agreements import AGREEMENT_COLUMNS, import_agreements
from ticketing.imports.fields import (
    Fields,
    ImportResult,
    Row,
    client_of,
    clients_by_account,
    is_small_whole,
    line_of,
    read_sheet,
    shown,
)
from ticketing.models import Client, Ticket

INVOICE_COLUMNS = (
    "account",
    "number",
    "issued_on",
    "due_on",
    "status",
    "description",
    "quantity",
    "unit_price",
)
INVOICE_OPTIONAL = ("ticket",)
INVOICE_STATUSES = (
    InvoiceStatus.ISSUED.value,
    InvoiceStatus.PAID.value,
    InvoiceStatus.DRAFT.value,
    InvoiceStatus.VOID.value,
)
# The columns an invoice's rows must agree on (they describe the invoice, not the line).
INVOICE_WIDE = ("client", "issued_on", "due_on", "status")
# Amounts and totals are Numeric(12, 2): PostgreSQL refuses ten billion dollars or more.
MAX_AMOUNT = Decimal("1e10")


@dataclass
class InvoiceRow:
    """One valid line of an invoice file."""

    line: int
    client: Client
    number: str
    issued_on: date | None
    due_on: date | None
    status: str
    description: str
    quantity: Decimal
    unit_price: Decimal
    ticket_id: int | None


def _ticket(session: Session, f: Fields, client: Client | None) -> int | None:
    raw = f.row.cells.get("ticket", "").lstrip("#")
    if not raw:
        return None
    ticket = session.get(Ticket, int(raw)) if is_small_whole(raw) else None
    if ticket is None or client is None or ticket.client_id != client.id:
        account = shown(f.row.cells.get("account", ""))
        f.fail(f"ticket {shown(raw)} is not a ticket of account {account}")
        return None
    return ticket.id


def _invoice_row(
    session: Session, row: Row, clients: dict[str, Client], errors: list[str]
) -> InvoiceRow | None:
    f = Fields(row, errors)
    before = len(errors)
    client = client_of(f, clients)
    number = f.text("number", max_len=32)
    status = f.choice("status", INVOICE_STATUSES)
    issued_on = f.day("issued_on", required=status not in (InvoiceStatus.DRAFT, None))
    due_on = f.day("due_on", required=False)
    if issued_on and due_on and due_on < issued_on:
        f.fail(f"due_on {due_on} is before issued_on {issued_on}")
    description = f.text("description", max_len=500)
    quantity = f.number("quantity", below=Decimal("1e8"), minimum=Decimal("0.01"))
    unit_price = f.number("unit_price")
    ticket_id = _ticket(session, f, client)
    if quantity is not None and unit_price is not None:
        amount = line_amount(quantity, unit_price)
        if abs(amount) >= MAX_AMOUNT:
            f.fail(f"quantity x unit_price = {amount} is too large for one line")
    if len(errors) > before:
        return None
    if issued_on and due_on is None:
        due_on = issued_on + timedelta(days=PAYMENT_TERMS_DAYS)
    return InvoiceRow(
        row.line,
        client,
        number,
        issued_on,
        due_on,
        status,
        description,
        quantity,
        unit_price,
        ticket_id,
    )


def _group(rows: list[InvoiceRow], errors: list[str]) -> dict[str, list[InvoiceRow]]:
    groups: dict[str, list[InvoiceRow]] = defaultdict(list)
    for row in rows:
        groups[row.number].append(row)
    for number, lines in groups.items():
        first = lines[0]
        total = sum((line_amount(row.quantity, row.unit_price) for row in lines), ZERO)
        if abs(total) >= MAX_AMOUNT:
            errors.append(f"line {first.line}: invoice {number}: total {total} is too large")
        for row in lines[1:]:
            for name in INVOICE_WIDE:
                if getattr(row, name) != getattr(first, name):
                    label = "account" if name == "client" else name
                    errors.append(
                        f"line {row.line}: invoice {number}: {label} differs from line {first.line}"
                    )
    return groups


def _already_there(
    session: Session, groups: dict[str, list[InvoiceRow]], errors: list[str]
) -> None:
    taken = set(session.scalars(select(Invoice.number).where(Invoice.number.in_(list(groups)))))
    for number in sorted(taken, key=lambda n: groups[n][0].line):
        errors.append(f"line {groups[number][0].line}: invoice {number} is already in the database")


def import_invoices(session: Session, data: bytes | str) -> ImportResult:
    """Add the invoices of a CSV file (one row per line; rows sharing a number form one
    invoice, totalled from its lines), or nothing at all if any row is wrong."""
    sheet = read_sheet(data, INVOICE_COLUMNS, INVOICE_OPTIONAL)
    result = ImportResult(errors=sheet.errors)
    clients = clients_by_account(session)
    parsed = [_invoice_row(session, row, clients, result.errors) for row in sheet.rows]
    groups = _group([row for row in parsed if row is not None], result.errors)
    _already_there(session, groups, result.errors)
    if result.errors:
        result.errors.sort(key=line_of)
        return result
    for number, rows in groups.items():
        invoice = _new_invoice(rows)
        session.add(invoice)
        result.summary.append(
            f"{number}  {invoice.client.name} (account {invoice.client.account_number})  "
            f"{invoice.status}  issued {invoice.issued_on or '-'}  due {invoice.due_on or '-'}  "
            f"{len(rows)} line(s)  ${invoice.total:,.2f}"
        )
    session.flush()
    result.count = len(groups)
    return result


def _new_invoice(rows: list[InvoiceRow]) -> Invoice:
    first = rows[0]
    invoice = Invoice(
        client=first.client,
        client_id=first.client.id,
        number=first.number,
        status=first.status,
        issued_on=first.issued_on,
        due_on=first.due_on,
    )
    for row in rows:
        invoice.lines.append(
            InvoiceLine(
                ticket_id=row.ticket_id,
                description=row.description,
                quantity=row.quantity,
                unit_price=row.unit_price,
                amount=line_amount(row.quantity, row.unit_price),
            )
        )
    invoice.total = money(sum((line.amount for line in invoice.lines), ZERO))
    return invoice


__all__ = [
    "AGREEMENT_COLUMNS",
    "INVOICE_COLUMNS",
    "INVOICE_OPTIONAL",
    "ImportResult",
    "import_agreements",
    "import_invoices",
]
