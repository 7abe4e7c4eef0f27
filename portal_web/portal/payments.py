"""Paying an invoice by card with Stripe Checkout, and Stripe's webhook that confirms it.

The portal never sees a card number: "Pay by card" creates a Checkout Session for the
balance due and sends the browser to Stripe. The invoice changes only when Stripe's
signed webhook says the session was paid, so a forged or replayed request changes
nothing, and an event delivered twice records one payment (ticketing/billing/card_payments.py).
"""

from __future__ import annotations

import json
import logging

import stripe
from flask import abort, flash, jsonify, redirect, request, url_for
from flask.typing import ResponseReturnValue

from portal_web import context
from portal_web.access import billing_required, me
from portal_web.portal.blueprint import portal, stripe_webhook
from portal_web.portal.invoices import card_payments_enabled, invoice_or_404
from ticketing.billing.card_payments import apply_checkout_event, checkout_params
from ticketing.billing.invoices import is_open

log = logging.getLogger(__name__)


def other_ways_to_pay(number: str) -> str:
    """What to say when card payments are not set up."""
    firm = context.firm()
    return (
        f"Card payments are not set up. To pay invoice {number}, call "
        f"{firm.main_line_written}, or mail a check payable to {firm.name} with the invoice "
        "number on it."
    )


def _back_to(invoice_id: int, outcome: str) -> str:
    path = url_for("portal.invoice", invoice_id=invoice_id, payment=outcome)
    return context.settings().public_base_url.rstrip("/") + path


@portal.post("/invoices/<int:invoice_id>/pay")
@billing_required
def pay_invoice(invoice_id: int) -> ResponseReturnValue:
    """Send the browser to a Stripe Checkout page for the invoice's balance due."""
    invoice = invoice_or_404(invoice_id)
    here = url_for("portal.invoice", invoice_id=invoice.id)
    if not card_payments_enabled():
        flash(other_ways_to_pay(invoice.number), "error")
        return redirect(here, 303)
    if not is_open(invoice):
        flash(f"Invoice {invoice.number} has nothing left to pay.", "info")
        return redirect(here, 303)
    params = checkout_params(
        invoice,
        success_url=_back_to(invoice.id, "done"),
        cancel_url=_back_to(invoice.id, "cancelled"),
        firm_name=context.settings().firm_name,
        email=me().email,
    )
    api_key = context.settings().stripe_secret_key
    try:
        checkout = stripe.checkout.Session.create(api_key=api_key, **params)
    except stripe.StripeError as exc:
        log.error("Stripe refused a Checkout Session for invoice %s: %s", invoice.number, exc)
        flash(
            "The card processor could not be reached; nothing was charged. Please try again "
            f"in a few minutes, or call {context.firm().main_line_written}.",
            "error",
        )
        return redirect(here, 303)
    log.info("Checkout Session %s for invoice %s", checkout.id, invoice.number)
    return redirect(checkout.url, 303)


@stripe_webhook.post("/stripe/webhook")
def stripe_event() -> ResponseReturnValue:
    """Stripe's signed events: a paid Checkout Session pays its invoice (once)."""
    secret = context.settings().stripe_webhook_secret
    if not secret:
        abort(404)
    payload = request.get_data()
    signature = request.headers.get("Stripe-Signature", "")
    try:
        stripe.Webhook.construct_event(payload, signature, secret)
    except (ValueError, stripe.SignatureVerificationError) as exc:
        log.warning("Stripe webhook refused: %s", exc)
        return jsonify(error="bad signature or payload"), 400
    event = json.loads(payload)
    session = context.db()
    outcome = apply_checkout_event(session, event, context.now())
    session.commit()
    return jsonify(received=True, outcome=outcome.status), 200
