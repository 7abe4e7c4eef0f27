"""Invoices as clients see them: listing, balances, payments received, and issuing a draft
(which emails the client a copy, as the firm's page promises).

A client never sees a draft. An invoice is "paid" once the payments recorded against it
cover its total; a partial payment leaves it open with a smaller balance. Payments are
keyed by their reference (a Stripe Checkout Session id, a check number): recording the
same reference twice records it once, so a webhook delivered again changes nothing.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from ticketing.accounts.models import User, UserRole
from ticketing.billing.models import Invoice, InvoiceLine, InvoiceStatus, Payment
from ticketing.directory import representative_of
from ticketing.errors import DomainError
from ticketing.firm import firm_in
from ticketing.models import OutboxKind
from ticketing.outbox import enqueue_email
from ticketing.wallclock import business_zone

log = logging.getLogger(__name__)

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
PAYMENT_TERMS_DAYS = 30
# What a client may see: drafts are the firm's work in progress.
CLIENT_VISIBLE = (InvoiceStatus.ISSUED, InvoiceStatus.PAID, InvoiceStatus.VOID)


def money(value: Decimal) -> Decimal:
    """`value` rounded to the cent (half up, as on a paper invoice)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def line_amount(quantity: Decimal, unit_price: Decimal) -> Decimal:
    """A line's amount: quantity x unit price, to the cent."""
    return money(quantity * unit_price)


def paid_amount(invoice: Invoice) -> Decimal:
    """The sum of the payments recorded against `invoice`."""
    return money(sum((p.amount for p in invoice.payments), ZERO))


def balance_due(invoice: Invoice) -> Decimal:
    """What is still owed: nothing on a paid or void invoice, else total less payments."""
    if invoice.is_settled:
        return ZERO
    return max(ZERO, money(invoice.total - paid_amount(invoice)))


def is_open(invoice: Invoice) -> bool:
    """Issued and not yet paid in full."""
    return invoice.status == InvoiceStatus.ISSUED and balance_due(invoice) > ZERO


def is_overdue(invoice: Invoice, today: date) -> bool:
    """Open past its due date."""
    return is_open(invoice) and invoice.due_on is not None and invoice.due_on < today


def client_invoices(session: Session, client_id: int) -> list[Invoice]:
    """A client's invoices as they may see them (no drafts), newest first."""
    stmt = (
        select(Invoice)
        .where(Invoice.client_id == client_id, Invoice.status.in_(CLIENT_VISIBLE))
        .options(selectinload(Invoice.payments))
        .order_by(Invoice.issued_on.desc(), Invoice.id.desc())
    )
    return list(session.scalars(stmt))


def client_invoice(session: Session, client_id: int, invoice_id: int) -> Invoice | None:
    """One of the client's invoices, or None (another company's, a draft, no such id)."""
    invoice = session.get(Invoice, invoice_id)
    if invoice is None or invoice.client_id != client_id:
        return None
    return invoice if invoice.status in CLIENT_VISIBLE else None


def open_total(session: Session, client_id: int) -> Decimal:
    """The client's balance due over every open invoice."""
    return money(sum((balance_due(i) for i in client_invoices(session, client_id)), ZERO))


def record_payment(
    session: Session, invoice: Invoice, amount: Decimal, method: str, reference: str, now: datetime
) -> bool:
    """Record money received; False if `reference` was already recorded (nothing changes).
    The invoice becomes paid once its payments cover the total."""
    if amount <= ZERO:
        raise DomainError(f"a payment must be more than $0.00, not ${amount}")
    if already_recorded(session, reference):
        return False
    try:
        # A concurrent delivery of the same event may insert first: the unique
        # reference makes the loser roll back only its savepoint.
        with session.begin_nested():
            session.add(
                Payment(
                    invoice=invoice,
                    amount=money(amount),
                    method=method,
                    reference=reference,
                    received_at=now,
                )
            )
    except IntegrityError:
        return False
    _settle(invoice, now)
    return True


def already_recorded(session: Session, reference: str) -> bool:
    """A payment with this reference is on record."""
    return session.scalar(select(Payment.id).where(Payment.reference == reference)) is not None


def _settle(invoice: Invoice, now: datetime) -> None:
    if invoice.status != InvoiceStatus.ISSUED:
        # Money for a void or already-paid invoice is kept on record for staff to refund.
        log.warning("payment on invoice %s, which is %s", invoice.number, invoice.status)
        return
    if paid_amount(invoice) >= invoice.total:
        invoice.mark_paid(now)


def issue(
    session: Session,
    invoice: Invoice,
    now: datetime,
    public_base_url: str,
    *,
    timezone: str | None = None,
    firm_name: str | None = None,
) -> bool:
    """Issue a draft: dated today, due in 30 days, numbered, totalled, and a copy emailed
    to the client's representative and billing people. False if it was not a draft."""
    if invoice.status != InvoiceStatus.DRAFT:
        return False
    if not invoice.lines:
        raise DomainError(f"invoice {invoice.number or invoice.id} has no lines to bill")
    invoice.total = money(sum((line.amount for line in invoice.lines), ZERO))
    invoice.status = InvoiceStatus.ISSUED
    invoice.issued_on = now.astimezone(business_zone(timezone)).date()
    invoice.due_on = invoice.due_on or invoice.issued_on + timedelta(days=PAYMENT_TERMS_DAYS)
    session.flush()
    if not invoice.number:
        invoice.number = _new_number(session, invoice)
    if email_copy(session, invoice, now, public_base_url, firm_name=firm_name):
        invoice.emailed_at = now
    return True


def _new_number(session: Session, invoice: Invoice) -> str:
    year = invoice.issued_on.year if invoice.issued_on else 0
    base = f"INV-{year}-{invoice.id:05d}"
    candidate, n = base, 1
    while session.scalar(select(Invoice.id).where(Invoice.number == candidate)) is not None:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def recipients(session: Session, client_id: int) -> list[str]:
    """Who gets a copy: the representative and the company's people who see billing."""
    found: list[str] = []
    rep = representative_of(session, client_id)
    if rep is not None and rep.email:
        found.append(rep.email.strip().lower())
    users = session.scalars(
        select(User).where(User.client_id == client_id, User.active.is_(True)).order_by(User.id)
    )
    for user in users:
        if user.role == UserRole.CLIENT_ADMIN or user.can_view_billing:
            found.append(user.email.strip().lower())
    return list(dict.fromkeys(found))


def email_copy(
    session: Session,
    invoice: Invoice,
    now: datetime,
    public_base_url: str,
    *,
    firm_name: str | None = None,
) -> int:
    """Owe the invoice's email copy to each recipient (once each); how many were owed."""
    firm = firm_name or firm_in(session).name
    subject = f"{firm} invoice {invoice.number}: ${invoice.total:,.2f} due {_day(invoice.due_on)}"
    body = email_body(invoice, public_base_url, firm_name=firm, line=firm_in(session).call_line)
    owed = 0
    for address in recipients(session, invoice.client_id):
        key = f"invoice:{invoice.id}:issued:{address}"
        if enqueue_email(
            session, None, address, subject, body, key=key, now=now, kind=OutboxKind.INVOICE
        ):
            owed += 1
    if not owed:
        log.warning("invoice %s has no one to email a copy to", invoice.number)
    return owed


def _day(value: date | None) -> str:
    return value.strftime("%b %d, %Y") if value else "-"


def _line_text(line: InvoiceLine) -> str:
    ticket = f" (ticket #{line.ticket_id})" if line.ticket_id else ""
    return (
        f"- {line.description}{ticket}\n"
        f"    {line.quantity:,.2f} x ${line.unit_price:,.2f} = ${line.amount:,.2f}"
    )


def email_body(
    invoice: Invoice, public_base_url: str, *, firm_name: str, line: str = "our support line"
) -> str:
    """The plain-text email copy: dates, lines, total, and where to view, print or pay it."""
    link = f"{public_base_url.rstrip('/')}/portal/invoices/{invoice.id}"
    parts = [
        f"Invoice {invoice.number} from {firm_name}",
        f"To: {invoice.client.name} (account {invoice.client.account_number})",
        f"Issued: {_day(invoice.issued_on)}    Due: {_day(invoice.due_on)}",
        "",
        *(_line_text(line) for line in invoice.lines),
        "",
        f"Total: ${invoice.total:,.2f}",
        f"Balance due: ${balance_due(invoice):,.2f}",
        "",
        f"View, print or pay it in the client portal: {link}",
        f"Questions? Call {line}.",
    ]
    return "\n".join(parts) + "\n"
