"""Card payments as Stripe makes them: test credentials, and Checkout events signed exactly the
way Stripe signs them."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

STRIPE_KEY = "sk_test_intake"
WEBHOOK_SECRET = "whsec_test_intake"


def stripe_signature(payload: str, secret: str = WEBHOOK_SECRET, at: int | None = None) -> str:
    """The Stripe-Signature header: t=<unix time>,v1=<HMAC-SHA256 of "t.payload">."""
    stamp = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), f"{stamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={stamp},v1={mac}"


def checkout_event(
    invoice_id: int,
    number: str,
    *,
    cents: int,
    session_id: str = "cs_test_a1",
    kind: str = "checkout.session.completed",
    payment_status: str = "paid",
    event_id: str = "evt_1",
) -> str:
    """A Checkout Session event's JSON body for invoice `number`, as Stripe sends it."""
    event: dict[str, Any] = {
        "id": event_id,
        "object": "event",
        "api_version": "2024-06-20",
        "type": kind,
        "data": {
            "object": {
                "id": session_id,
                "object": "checkout.session",
                "amount_total": cents,
                "currency": "usd",
                "mode": "payment",
                "payment_status": payment_status,
                "payment_intent": "pi_" + session_id,
                "client_reference_id": str(invoice_id),
                "metadata": {"invoice_id": str(invoice_id), "invoice_number": number},
            }
        },
    }
    return json.dumps(event)


def post_event(client: FlaskClient, payload: str, signature: str | None = None) -> TestResponse:
    """POST `payload` to the webhook, signed unless a signature is given."""
    header = stripe_signature(payload) if signature is None else signature
    return client.post(
        "/stripe/webhook",
        data=payload,
        content_type="application/json",
        headers={"Stripe-Signature": header},
    )
