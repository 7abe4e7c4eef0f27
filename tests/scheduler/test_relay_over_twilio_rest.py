"""The relay end to end through TwilioMessenger, with Twilio's REST API faked by `responses`."""

from __future__ import annotations

import random
from datetime import timedelta
from urllib.parse import parse_qs

import pytest
import requests

from intake.clock import FrozenClock
from intake.db import Database
from scheduler.relay import RelayReport, relay_due
from scheduler.transport import TwilioMessenger
from tests.support.outbox import SMS_CALLBACK, new_outbox, new_ticket
from tests.support.rows import fresh
from ticketing.timeline import events_of

ACCOUNT = "AC" + "fe" * 16
API = "http://fake-twilio.test"
MESSAGES_URL = f"{API}/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
SM_SID = "SM" + "9" * 32


@pytest.fixture
def rest() -> TwilioMessenger:
    """The real Twilio messenger, pointed at the fake API."""
    return TwilioMessenger(ACCOUNT, "token", API, sms_from="+13368991911", timeout=2)


def tick(database: Database, messenger: TwilioMessenger, clock: FrozenClock) -> RelayReport:
    """One relay tick at the clock's moment."""
    return relay_due(
        database.sessionmaker,
        messenger,
        clock(),
        status_callback_url=SMS_CALLBACK,
        rng=random.Random(3),
    )


def test_a_page_goes_out_through_twilio(database, session, api, rest, clock, make_outbox, ticket):
    row = make_outbox()
    api.post(MESSAGES_URL, json={"sid": SM_SID, "status": "queued"}, status=201)

    assert tick(database, rest, clock) == RelayReport(sent=1)

    sent = parse_qs(api.calls[0].request.body)
    assert sent["Body"] == [row.body]
    assert sent["StatusCallback"] == [SMS_CALLBACK]
    assert (fresh(session, row).status, fresh(session, row).provider_sid) == ("sent", SM_SID)
    session.expire_all()
    assert [e.message for e in events_of(session, ticket.id)] == [
        f"SMS page sent to {row.to_number} ({SM_SID})"
    ]


@pytest.mark.parametrize(
    "failure",
    [
        {"status": 429, "json": {"code": 20429, "message": "Too Many Requests", "status": 429}},
        {"status": 500, "json": {"code": 20500, "message": "Internal Server Error"}},
        {"status": 503, "body": "Service Unavailable"},
        {"body": requests.exceptions.ReadTimeout("read timed out")},
        {"body": requests.exceptions.ConnectionError("connection reset by peer")},
    ],
    ids=["429", "500", "503", "timeout", "reset"],
)
def test_transient_failures_are_retried_and_sent_exactly_once(
    database, session, api, rest, clock, make_outbox, failure
):
    row = make_outbox()
    api.post(MESSAGES_URL, **failure)
    api.post(MESSAGES_URL, json={"sid": SM_SID}, status=201)

    assert tick(database, rest, clock) == RelayReport(retried=1)
    assert fresh(session, row).status == "pending"
    assert tick(database, rest, clock) == RelayReport()
    clock.advance(timedelta(seconds=5))
    assert tick(database, rest, clock) == RelayReport(sent=1)
    clock.advance(timedelta(minutes=10))
    assert tick(database, rest, clock) == RelayReport()

    # After a timeout or a reset the relay also looked for the text at Twilio (not mocked
    # here: the look-up fails and the text goes again).
    assert len([call for call in api.calls if call.request.method == "POST"]) == 2
    row = fresh(session, row)
    assert (row.status, row.provider_sid, row.attempts) == ("sent", SM_SID, 2)


def test_an_opted_out_technician_fails_the_page_at_once(
    database, session, api, rest, clock, make_outbox, ticket
):
    row = make_outbox()
    error = {"code": 21610, "message": "Attempt to send to unsubscribed recipient", "status": 400}
    api.post(MESSAGES_URL, json=error, status=400)

    assert tick(database, rest, clock) == RelayReport(failed=1)

    row = fresh(session, row)
    assert (row.status, row.error_code) == ("failed", "21610")
    assert "unsubscribed recipient" in (row.last_error or "")
    session.expire_all()
    [event] = events_of(session, ticket.id)
    assert event.message.endswith("FAILED (not retried): 21610: recipient has opted out (STOP)")


def test_two_pages_to_one_technician_are_one_message(database, session, api, rest, clock):
    first, second = (new_ticket(session) for _ in range(2))
    rows = [new_outbox(session, ticket_id=t.id, due=clock()) for t in (first, second)]
    api.post(MESSAGES_URL, json={"sid": SM_SID, "status": "queued"}, status=201)

    assert tick(database, rest, clock) == RelayReport(sent=2)

    [body] = parse_qs(api.calls[0].request.body)["Body"]
    assert body.startswith("2 EMERGENCIES: ")
    assert f"#{first.id}" in body and f"#{second.id}" in body
    assert {fresh(session, row).provider_sid for row in rows} == {SM_SID}
