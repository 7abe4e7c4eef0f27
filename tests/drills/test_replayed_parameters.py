"""A retry with a parameter repeated is still the same signed request: one answer, one effect."""

from __future__ import annotations

from flask import request
from werkzeug.datastructures import MultiDict

from tests.support.rows import count_rows
from tests.support.twilio import PUBLIC_BASE_URL, sign, twiml
from ticketing.models import Call, OutboxMessage, Ticket, TicketEvent, WebhookReceipt
from webhooks.receipts import request_key


def _post_pairs(client, path: str, pairs: list[tuple[str, str]]):
    """Post `pairs` as sent (repeats kept), signed as Twilio's validator reads them."""
    signature = sign(PUBLIC_BASE_URL + path, pairs)
    return client.post(path, data=MultiDict(pairs), headers={"X-Twilio-Signature": signature})


def test_first_webhook_replayed_with_duplicated_callsid_opens_one_ticket(
    phone, client, session, directory
) -> None:
    call = phone("+13365550123")
    first = call.ring()
    events, receipts = count_rows(session, TicketEvent), count_rows(session, WebhookReceipt)
    pairs = [*{**call.base, "CallStatus": "ringing"}.items(), ("CallSid", call.base["CallSid"])]
    replay = _post_pairs(client, "/twilio/voice", pairs)
    twiml(replay)
    assert replay.data == first.data
    assert count_rows(session, Ticket) == 1
    assert count_rows(session, Call) == 1
    assert count_rows(session, TicketEvent) == events
    # Answered from the receipt, not re-run.
    assert count_rows(session, WebhookReceipt) == receipts


def test_callback_step_replayed_with_duplicated_digits_changes_nothing(
    phone, client, session, directory
) -> None:
    call = phone("+13365550123")
    call.ring()
    call.record()
    call.post("/twilio/voice/callback/confirm", Digits="2")
    first = call.post("/twilio/voice/callback/number/1", Digits="9195550142#")
    events, receipts = count_rows(session, TicketEvent), count_rows(session, WebhookReceipt)
    pairs = [*call.base.items(), ("Digits", "9195550142#"), ("Digits", "9195550142#")]
    replay = _post_pairs(client, "/twilio/voice/callback/number/1", pairs)
    assert replay.data == first.data
    assert count_rows(session, OutboxMessage) == 1
    assert count_rows(session, TicketEvent) == events
    assert count_rows(session, WebhookReceipt) == receipts


def _key(app, pairs: list[tuple[str, str]], path: str = "/twilio/voice") -> str:
    with app.test_request_context(path, method="POST", data=MultiDict(pairs)):
        return request_key(request)


def test_key_follows_the_signed_content(app) -> None:
    base = [("CallSid", "CA1"), ("From", "+13365550123")]
    assert _key(app, base) == _key(app, [*base, ("CallSid", "CA1")])
    assert _key(app, base) == _key(app, list(reversed(base)))
    # Distinct values are signed, in sorted order, so they still tell requests apart.
    assert _key(app, base) != _key(app, [*base, ("CallSid", "CA2")])
    assert _key(app, [*base, ("D", "1"), ("D", "2")]) == _key(app, [*base, ("D", "2"), ("D", "1")])
    # No name/value boundary games: "ab"+"c" is not "a"+"bc".
    assert _key(app, [("ab", "c")]) != _key(app, [("a", "bc")])
    assert _key(app, base) != _key(app, base, path="/twilio/voice/status")
