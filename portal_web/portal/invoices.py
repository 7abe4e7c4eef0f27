"""Invoices in the client portal: the list (open, paid, void), one invoice with its lines
and payments, a print-ready page and a PDF download.

Only company administrators and users with the billing permission get here
(billing_required); another company's invoice, or a draft, is a 404 like any unknown id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import Response, abort, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.routing import BuildError

from portal_web import context
from portal_web.access import billing_required, me
from portal_web.display import local_day, local_dt
from portal_web.portal.blueprint import portal
from portal_web.portal.invoice_pdf import render_invoice_pdf
from ticketing.billing.invoices import (
    balance_due,
    client_invoice,
    client_invoices,
    is_open,
    is_overdue,
    paid_amount,
)
from ticketing.billing.models import Invoice

# What the success and cancel pages of Stripe Checkout come back with (?payment=...).
RETURN_NOTICES = {
    "done": "Thank you. Your card payment is being confirmed; this invoice shows as paid "
    "as soon as the card processor confirms it.",
    "cancelled": "The card payment was cancelled; nothing was charged.",
}


@dataclass(frozen=True)
class InvoiceRow:
    """An invoice as the list shows it."""

    invoice: Invoice
    balance: Decimal
    overdue: bool


def card_payments_enabled() -> bool:
    """Stripe Checkout is offered only when both of its keys are configured."""
    settings = context.settings()
    return bool(settings.stripe_secret_key and settings.stripe_webhook_secret)


def invoice_or_404(invoice_id: int) -> Invoice:
    """The user's company's (non-draft) invoice, else 404."""
    invoice = client_invoice(context.db(), me().client_id or 0, invoice_id)
    if invoice is None:
        abort(404)
    return invoice


def usd(amount: Decimal) -> str:
    """$1,234.50."""
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"


def day(value: date | None) -> str:
    """A date as every page writes one: Sat 12/5/2026 (or a dash)."""
    return local_day(value)


def local(moment: datetime | None) -> str:
    """A stored UTC moment on the business's wall clock, as every page writes one."""
    return local_dt(moment)


def ticket_url(ticket_id: int | None) -> str | None:
    """The portal page of a billed ticket (None when there is none to link to)."""
    if ticket_id is None:
        return None
    try:
        return url_for("portal.ticket", number=ticket_id)
    except BuildError:  # the tickets pages are not registered in this app
        return None


def _render(template: str, **values: Any) -> str:
    helpers = {"usd": usd, "day": day, "local": local, "ticket_url": ticket_url}
    return render_template(template, **helpers, **values)


def _facts(invoice: Invoice) -> dict[str, Any]:
    return {
        "invoice": invoice,
        "balance": balance_due(invoice),
        "paid": paid_amount(invoice),
        "overdue": is_overdue(invoice, context.today()),
        "payable": is_open(invoice),
    }


@portal.get("/invoices")
@billing_required
def invoices() -> ResponseReturnValue:
    """Open invoices first with their total, then paid and void ones."""
    today = context.today()
    rows = [
        InvoiceRow(inv, balance_due(inv), is_overdue(inv, today))
        for inv in client_invoices(context.db(), me().client_id or 0)
    ]
    open_rows = [row for row in rows if is_open(row.invoice)]
    closed_rows = [row for row in rows if not is_open(row.invoice)]
    total = sum((row.balance for row in open_rows), Decimal("0.00"))
    return _render(
        "portal/invoices.html", open_rows=open_rows, closed_rows=closed_rows, open_total=total
    )


@portal.get("/invoices/<int:invoice_id>")
@billing_required
def invoice(invoice_id: int) -> ResponseReturnValue:
    """One invoice: lines, payments, balance due, print, PDF and pay."""
    found = invoice_or_404(invoice_id)
    notice = RETURN_NOTICES.get(request.args.get("payment", ""))
    return _render(
        "portal/invoice.html",
        **_facts(found),
        notice=notice,
        card_payments=card_payments_enabled(),
    )


@portal.get("/invoices/<int:invoice_id>/print")
@billing_required
def invoice_print(invoice_id: int) -> ResponseReturnValue:
    """The invoice alone on a page, laid out for paper."""
    return _render("portal/invoice_print.html", **_facts(invoice_or_404(invoice_id)))


@portal.get("/invoices/<int:invoice_id>.pdf")
@billing_required
def invoice_pdf(invoice_id: int) -> ResponseReturnValue:
    """The invoice as a PDF download."""
    found = invoice_or_404(invoice_id)
    settings = context.settings()
    pdf = render_invoice_pdf(found, firm=context.firm(), timezone=settings.business_timezone)
    filename = f"invoice-{_safe_name(found.number)}.pdf"
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )


def _safe_name(number: str) -> str:
    # Invoice numbers come from imports: keep the header free of quotes and odd bytes.
    return "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "_" for c in number)
