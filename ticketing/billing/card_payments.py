"""Card payments by Stripe Checkout as the domain sees them: what to ask Stripe for, and
what a webhook event (already verified by the caller) means for an invoice.

No network and no `stripe` import here: portal_web/portal/payments.py talks to Stripe and
checks signatures; this module only reads the event's JSON.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from ticketing.billing.invoices import balance_due, record_payment
from ticketing.billing.models import Invoice

log = logging.getLogger(__name__)

PAID_EVENTS = ("checkout.session.completed", "checkout.session.async_payment_succeeded")
FAILED_EVENTS = ("checkout.session.async_payment_failed", "checkout.session.expired")
CURRENCY = "usd"


@dataclass(frozen=True)
class Outcome:
    """What an event did: recorded | duplicate | pending | failed | ignored."""

    status: str
    detail: str


def cents(amount: Decimal) -> int:
    """Dollars to Stripe's integer cents."""
    return int((amount * 100).to_integral_value())


def checkout_params(
    invoice: Invoice, *, success_url: str, cancel_url: str, firm_name: str, email: str | None
) -> dict[str, Any]:
    """The Checkout Session to create: one line for the invoice's balance due, in cents."""
    tags = {"invoice_id": str(invoice.id), "invoice_number": invoice.number}
    params: dict[str, Any] = {
        "mode": "payment",
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": CURRENCY,
                    "unit_amount": cents(balance_due(invoice)),
                    "product_data": {"name": f"{firm_name} invoice {invoice.number}"},
                },
            }
        ],
        "client_reference_id": str(invoice.id),
        "metadata": tags,
        "payment_intent_data": {"metadata": tags},
        "success_url": success_url,
        "cancel_url": cancel_url,
    }
    if email:
        params["customer_email"] = email
    return params


def apply_checkout_event(session: Session, event: dict[str, Any], now: datetime) -> Outcome:
    """Record a paid Checkout Session against its invoice (once, however often it comes);
    note failures; ignore every other event."""
    kind = event.get("type", "")
    if kind not in PAID_EVENTS + FAILED_EVENTS:
        return Outcome("ignored", f"{kind} is not about a Checkout payment")
    checkout = (event.get("data") or {}).get("object") or {}
    invoice = _invoice_of(session, checkout)
    if invoice is None:
        log.warning("Stripe %s %s names no invoice of ours", kind, checkout.get("id"))
        return Outcome("ignored", "no such invoice")
    if kind in FAILED_EVENTS:
        log.warning("card payment for invoice %s did not go through (%s)", invoice.number, kind)
        return Outcome("failed", f"invoice {invoice.number} stays open")
    if checkout.get("payment_status") != "paid":
        # A delayed method (bank debit): async_payment_succeeded will follow.
        return Outcome("pending", f"invoice {invoice.number}: payment not settled yet")
    return _record(session, invoice, checkout, now)


def _invoice_of(session: Session, checkout: dict[str, Any]) -> Invoice | None:
    metadata = checkout.get("metadata") or {}
    raw = str(metadata.get("invoice_id") or checkout.get("client_reference_id") or "")
    if not raw.isdigit():
        return None
    # Locked so that two events for one invoice settle it one after the other.
    invoice = session.get(Invoice, int(raw), with_for_update=True)
    number = metadata.get("invoice_number")
    if invoice is None or (number is not None and number != invoice.number):
        return None
    return invoice


def _record(session: Session, invoice: Invoice, checkout: dict[str, Any], now: datetime) -> Outcome:
    amount_total = checkout.get("amount_total")
    currency = str(checkout.get("currency") or "").lower()
    if not isinstance(amount_total, int) or amount_total <= 0 or currency != CURRENCY:
        log.warning("Stripe session %s: unusable amount or currency", checkout.get("id"))
        return Outcome("ignored", "unusable amount or currency")
    amount = Decimal(amount_total) / 100
    reference = str(checkout.get("id") or checkout.get("payment_intent") or "")
    if not reference:
        return Outcome("ignored", "no session id")
    if not record_payment(session, invoice, amount, "card", reference, now):
        return Outcome("duplicate", f"{reference} was already recorded")
    log.info("card payment of $%s recorded on invoice %s", amount, invoice.number)
    return Outcome("recorded", f"${amount:,.2f} on invoice {invoice.number}")
