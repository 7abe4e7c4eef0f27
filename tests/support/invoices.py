"""Invoices with lines, in a few words: priced lines, or the hours of a service class (what
the executive reports count)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from ticketing.billing.models import Invoice, InvoiceLine
from ticketing.models import Client

Line = tuple[str, str, str] | tuple[str, str, str, int | None]


def add_invoice(
    session: Session,
    client: Client,
    number: str,
    lines: list[Line],
    *,
    status: str = "issued",
    issued_on: date | None = date(2026, 11, 1),
    due_on: date | None = date(2026, 12, 1),
) -> Invoice:
    """An invoice with lines of (description, quantity, unit price[, ticket id])."""
    invoice = Invoice(
        client_id=client.id, number=number, status=status, issued_on=issued_on, due_on=due_on
    )
    total = Decimal("0.00")
    for description, quantity, price, *ticket in lines:
        amount = (Decimal(quantity) * Decimal(price)).quantize(Decimal("0.01"))
        total += amount
        invoice.lines.append(
            InvoiceLine(
                description=description,
                quantity=Decimal(quantity),
                unit_price=Decimal(price),
                amount=amount,
                ticket_id=ticket[0] if ticket else None,
            )
        )
    invoice.total = total
    session.add(invoice)
    session.flush()
    return invoice


def add_invoice_by_class(
    session: Session,
    client: Client,
    number: str,
    lines: list[tuple[str | None, str, str]],
    *,
    status: str = "issued",
    period: str | None = None,
    issued_on: date | None = None,
) -> Invoice:
    """An invoice with lines of (service class, hours, amount): the hours a report counts."""
    invoice = Invoice(
        client_id=client.id,
        number=number,
        status=status,
        period=period,
        issued_on=issued_on,
        total=sum((Decimal(a) for _c, _h, a in lines), Decimal("0.00")),
    )
    for service_class, hours, amount in lines:
        invoice.lines.append(
            InvoiceLine(
                service_class=service_class,
                description=f"{service_class or 'other'} work",
                quantity=Decimal(hours),
                unit_price=Decimal(amount) / Decimal(hours) if Decimal(hours) else Decimal(0),
                amount=Decimal(amount),
            )
        )
    session.add(invoice)
    session.flush()
    return invoice
