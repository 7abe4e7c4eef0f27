"""Paying an invoice by card: the Checkout Session asked of Stripe (its API faked with
`responses`), and Stripe's webhook, signed exactly the way Stripe signs, which marks the
invoice paid once however often it arrives; partial, failed and forged events."""

from __future__ import annotations

import json
import re
import time
from decimal import Decimal
from urllib.parse import parse_qs

import pytest
import responses
from sqlalchemy import func, select

from intake.config import load_settings
from tests.support.invoices import add_invoice
from tests.support.logins import log_in
from tests.support.payments import (
    STRIPE_KEY,
    WEBHOOK_SECRET,
    checkout_event,
    post_event,
    stripe_signature,
)
from tests.support.rows import fresh
from tests.support.users import make_user
from ticketing.accounts.models import User
from ticketing.billing.models import Payment

SESSIONS_URL = "https://api.stripe.com/v1/checkout/sessions"
CHECKOUT_URL = "https://checkout.stripe.com/c/pay/cs_test_a1"


@pytest.fixture
def settings(settings):
    """The test settings with Stripe configured."""
    return settings.with_overrides(
        stripe_secret_key=STRIPE_KEY, stripe_webhook_secret=WEBHOOK_SECRET
    )


@pytest.fixture
def invoice(session, directory):
    """An open invoice of the bakery for $412.50, and its administrator."""
    found = add_invoice(
        session,
        directory["bakery"],
        "INV-2026-0301",
        [("Emergency call, registers down", "1.5", "225.00"), ("Help desk", "0.75", "100")],
    )
    make_user(session, "owner@bakery.example", client=directory["bakery"], role="client_admin")
    session.commit()
    return found


@pytest.fixture
def owner(session, invoice):
    """The bakery's administrator."""
    return session.scalar(select(User).where(User.email == "owner@bakery.example"))


def _payments(session) -> int:
    return session.scalar(select(func.count(Payment.id)))


@responses.activate
def test_pay_creates_a_checkout_session_for_the_balance_and_redirects(
    client, session, invoice, owner
):
    responses.post(SESSIONS_URL, json={"id": "cs_test_a1", "url": CHECKOUT_URL})
    log_in(client, owner)
    page = client.get(f"/portal/invoices/{invoice.id}").get_data(as_text=True)
    assert "Pay $412.50 by card" in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    answer = client.post(f"/portal/invoices/{invoice.id}/pay", data={"csrf_token": token})
    assert answer.status_code == 303
    assert answer.headers["Location"] == CHECKOUT_URL
    sent = responses.calls[0].request
    assert sent.headers["Authorization"] == f"Bearer {STRIPE_KEY}"
    form = {k: v[0] for k, v in parse_qs(sent.body).items()}
    assert form["mode"] == "payment"
    assert form["line_items[0][price_data][unit_amount]"] == "41250"
    assert form["line_items[0][price_data][currency]"] == "usd"
    assert form["line_items[0][quantity]"] == "1"
    assert form["metadata[invoice_id]"] == str(invoice.id)
    assert form["metadata[invoice_number]"] == "INV-2026-0301"
    assert form["client_reference_id"] == str(invoice.id)
    assert form["success_url"].startswith(
        f"https://intake.example.com/portal/invoices/{invoice.id}"
    )
    assert form["cancel_url"].endswith("payment=cancelled")
    assert fresh(session, invoice).status == "issued"  # nothing changes until the webhook


@responses.activate
def test_pay_without_the_csrf_token_is_refused(client, invoice, owner):
    log_in(client, owner)
    assert client.post(f"/portal/invoices/{invoice.id}/pay").status_code == 400
    assert len(responses.calls) == 0


@responses.activate
def test_pay_asks_for_what_is_left_after_a_partial_payment(app, client, session, invoice, owner):
    app.config["WTF_CSRF_ENABLED"] = False
    session.add(
        Payment(invoice_id=invoice.id, amount=Decimal("12.50"), method="check", reference="c9")
    )
    session.commit()
    responses.post(SESSIONS_URL, json={"id": "cs_test_a1", "url": CHECKOUT_URL})
    log_in(client, owner)
    assert client.post(f"/portal/invoices/{invoice.id}/pay").status_code == 303
    form = parse_qs(responses.calls[0].request.body)
    assert form["line_items[0][price_data][unit_amount]"] == ["40000"]


@responses.activate
def test_when_stripe_refuses_the_client_is_told_and_nothing_changes(app, client, invoice, owner):
    app.config["WTF_CSRF_ENABLED"] = False
    responses.post(
        SESSIONS_URL,
        status=400,
        json={"error": {"type": "invalid_request_error", "message": "No such thing"}},
    )
    log_in(client, owner)
    answer = client.post(f"/portal/invoices/{invoice.id}/pay")
    assert answer.status_code == 303
    assert answer.headers["Location"] == f"/portal/invoices/{invoice.id}"
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "could not be reached; nothing was charged" in page


@responses.activate
def test_a_paid_invoice_is_not_sent_to_stripe(app, client, session, invoice, owner):
    app.config["WTF_CSRF_ENABLED"] = False
    invoice.status = "paid"
    session.commit()
    log_in(client, owner)
    assert client.post(f"/portal/invoices/{invoice.id}/pay").status_code == 303
    assert len(responses.calls) == 0


def test_the_paid_event_pays_the_invoice_once(client, session, clock, invoice):
    payload = checkout_event(invoice.id, invoice.number, cents=41250)
    assert post_event(client, payload).status_code == 200
    paid = fresh(session, invoice)
    assert paid.status == "paid" and paid.paid_at == clock()
    [payment] = paid.payments
    assert payment.reference == "cs_test_a1" and payment.amount == Decimal("412.50")
    assert payment.method == "card"
    # Stripe retries the same event, then sends the session's async success as well.
    assert post_event(client, payload).status_code == 200
    again = checkout_event(
        invoice.id,
        invoice.number,
        cents=41250,
        kind="checkout.session.async_payment_succeeded",
        event_id="evt_2",
    )
    assert post_event(client, again).status_code == 200
    assert _payments(session) == 1
    assert fresh(session, invoice).paid_at == clock()


def test_a_partial_payment_leaves_the_invoice_open_with_less_due(client, session, invoice, owner):
    assert (
        post_event(client, checkout_event(invoice.id, invoice.number, cents=10000)).status_code
        == 200
    )
    partly = fresh(session, invoice)
    assert partly.status == "issued" and partly.paid_at is None
    log_in(client, owner)
    page = client.get(f"/portal/invoices/{invoice.id}").get_data(as_text=True)
    assert 'class="balance-due">$312.50<' in page and "Pay $312.50 by card" in page
    rest = checkout_event(
        invoice.id, invoice.number, cents=31250, session_id="cs_test_b2", event_id="evt_9"
    )
    assert post_event(client, rest).status_code == 200
    assert fresh(session, invoice).status == "paid"
    assert _payments(session) == 2


@pytest.mark.parametrize(
    "signature",
    [
        "",
        "t=1700000000,v1=deadbeef",
        "garbage",
        "other-secret",
        "five-minutes-old",
    ],
)
def test_a_forged_or_stale_signature_is_refused_and_changes_nothing(
    client, session, invoice, signature
):
    payload = checkout_event(invoice.id, invoice.number, cents=41250)
    if signature == "other-secret":
        signature = stripe_signature(payload, "whsec_someone_else")
    elif signature == "five-minutes-old":
        signature = stripe_signature(payload, at=int(time.time()) - 301)
    answer = client.post(
        "/stripe/webhook",
        data=payload,
        content_type="application/json",
        headers={"Stripe-Signature": signature} if signature else {},
    )
    assert answer.status_code == 400
    assert _payments(session) == 0 and fresh(session, invoice).status == "issued"


def test_a_tampered_body_is_refused(client, session, invoice):
    signed = stripe_signature(checkout_event(invoice.id, invoice.number, cents=100))
    tampered = checkout_event(invoice.id, invoice.number, cents=41250)
    assert post_event(client, tampered, signed).status_code == 400
    assert _payments(session) == 0


@pytest.mark.parametrize(
    "kind", ["checkout.session.async_payment_failed", "checkout.session.expired"]
)
def test_a_failed_or_expired_payment_leaves_the_invoice_open(
    client, session, invoice, kind, caplog
):
    payload = checkout_event(
        invoice.id, invoice.number, cents=41250, kind=kind, payment_status="unpaid"
    )
    answer = post_event(client, payload)
    assert answer.status_code == 200 and answer.json["outcome"] == "failed"
    assert fresh(session, invoice).status == "issued" and _payments(session) == 0
    assert "INV-2026-0301" in caplog.text


def test_an_unsettled_or_unrelated_event_changes_nothing(client, session, invoice):
    pending = checkout_event(invoice.id, invoice.number, cents=41250, payment_status="unpaid")
    assert post_event(client, pending).json["outcome"] == "pending"
    other = json.dumps({"id": "evt_x", "type": "customer.created", "data": {"object": {}}})
    assert post_event(client, other).json["outcome"] == "ignored"
    event = json.loads(checkout_event(invoice.id, invoice.number, cents=41250))
    event["data"]["object"]["metadata"] = {"invoice_id": "999999"}
    event["data"]["object"]["client_reference_id"] = None
    assert post_event(client, json.dumps(event)).json["outcome"] == "ignored"
    assert _payments(session) == 0 and fresh(session, invoice).status == "issued"


def test_an_event_naming_another_number_is_ignored(client, session, invoice):
    event = json.loads(checkout_event(invoice.id, invoice.number, cents=41250))
    event["data"]["object"]["metadata"]["invoice_number"] = "INV-SOMEONE-ELSE"
    assert post_event(client, json.dumps(event)).json["outcome"] == "ignored"
    assert _payments(session) == 0


@responses.activate
def test_pay_then_webhook_then_the_page_shows_it_paid(app, client, session, invoice, owner):
    app.config["WTF_CSRF_ENABLED"] = False
    responses.post(SESSIONS_URL, json={"id": "cs_test_a1", "url": CHECKOUT_URL})
    log_in(client, owner)
    assert client.post(f"/portal/invoices/{invoice.id}/pay").headers["Location"] == CHECKOUT_URL
    assert (
        post_event(client, checkout_event(invoice.id, invoice.number, cents=41250)).status_code
        == 200
    )
    page = client.get(f"/portal/invoices/{invoice.id}?payment=done").get_data(as_text=True)
    assert "Thank you" in page and "Paid in full" in page
    assert 'class="balance-due">$0.00<' in page
    listing = client.get("/portal/invoices").get_data(as_text=True)
    assert 'id="open-total">$0.00<' in listing


def test_the_keys_come_from_the_environment(tmp_path):
    env = {
        "INTAKE_INSTANCE_PATH": str(tmp_path),
        "SECRET_KEY": "a-test-secret-key-of-32-characters",
        "TWILIO_AUTH_TOKEN": "test-auth-token",
    }
    assert load_settings(env).stripe_secret_key is None
    configured = load_settings(
        {**env, "STRIPE_SECRET_KEY": "sk_live_1", "STRIPE_WEBHOOK_SECRET": "whsec_1"}
    )
    assert configured.stripe_secret_key == "sk_live_1"
    assert configured.stripe_webhook_secret == "whsec_1"
