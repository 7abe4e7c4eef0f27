"""Test helper for invoices and card payments: portal users, invoices with lines, logging a
test client in, and Stripe webhook events signed exactly the way Stripe signs them."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import date
from decimal import Decimal
from typing import Any

from flask.testing import FlaskClient
from flask_login.utils import _create_identifier
from sqlalchemy.orm import Session

from ticketing.accounts.models import User
from ticketing.billing.models import Invoice, InvoiceLine
from ticketing.models import Client

STRIPE_KEY = "sk_test_portal_c"
WEBHOOK_SECRET = "whsec_test_portal_c"
Line = tuple[str, str, str] | tuple[str, str, str, int | None]


def add_user(
    session: Session,
    client: Client | None,
    email: str,
    *,
    role: str = "client_admin",
    billing: bool = False,
) -> User:
    """A portal user of `client` (no password: tests log in through the session)."""
    user = User(
        email=email,
        name=email.split("@")[0].title(),
        role=role,
        client_id=client.id if client is not None else None,
        can_view_billing=billing,
        active=True,
        session_version=1,
    )
    session.add(user)
    session.flush()
    return user


def log_in(client: FlaskClient, user: User) -> None:
    """Make the test client's session that of `user`, as Flask-Login stores it (with the
    "strong" session protection's identifier of this browser)."""
    with client.application.test_request_context(environ_base=client.environ_base):
        identifier = _create_identifier()
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = user.get_id()
        flask_session["_fresh"] = True
        flask_session["_id"] = identifier


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


def stripe_signature(payload: str, secret: str = WEBHOOK_SECRET, at: int | None = None) -> str:
    """The Stripe-Signature header: t=<unix time>,v1=<HMAC-SHA256 of "t.payload">."""
    stamp = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), f"{stamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={stamp},v1={mac}"


def checkout_event(
    invoice: Invoice,
    *,
    cents: int,
    session_id: str = "cs_test_a1",
    kind: str = "checkout.session.completed",
    payment_status: str = "paid",
    event_id: str = "evt_1",
) -> str:
    """A Checkout Session event's JSON body, as Stripe sends it."""
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
                "client_reference_id": str(invoice.id),
                "metadata": {"invoice_id": str(invoice.id), "invoice_number": invoice.number},
            }
        },
    }
    return json.dumps(event)


def post_event(client: FlaskClient, payload: str, signature: str | None = None) -> Any:
    """POST `payload` to the webhook, signed unless a signature is given."""
    header = stripe_signature(payload) if signature is None else signature
    return client.post(
        "/stripe/webhook",
        data=payload,
        content_type="application/json",
        headers={"Stripe-Signature": header},
    )
