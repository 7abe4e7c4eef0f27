"""A text whose answer was lost after it reached Twilio is looked up in Twilio's Messages
list before it is sent again: found means recorded as sent, anything else means resent."""

from __future__ import annotations

import random
from datetime import timedelta
from email.utils import format_datetime
from urllib.parse import parse_qs

import pytest
import requests
from responses import matchers

from intake.clock import FrozenClock
from intake.db import Database
from scheduler.relay import RelayReport, relay_due
from scheduler.transport import TransientSendError, TwilioMessenger
from tests.support.outbox import SMS_CALLBACK, TECH_PHONE
from tests.support.rows import fresh

ACCOUNT = "AC" + "fe" * 16
API = "http://fake-twilio.test"
MESSAGES_URL = f"{API}/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
LOST_SID = "SM" + "1" * 32
NEW_SID = "SM" + "2" * 32


@pytest.fixture
def rest() -> TwilioMessenger:
    """The real Twilio messenger, pointed at the fake API."""
    return TwilioMessenger(ACCOUNT, "token", API, sms_from="+13368991911", timeout=2)


def tick(database: Database, messenger: TwilioMessenger, clock: FrozenClock) -> RelayReport:
    """One relay tick at the clock's moment, then the clock moves past any back-off."""
    report = relay_due(
        database.sessionmaker,
        messenger,
        clock(),
        status_callback_url=SMS_CALLBACK,
        rng=random.Random(3),
    )
    clock.advance(timedelta(seconds=10))
    return report


def listing(*messages: dict[str, object]) -> dict[str, object]:
    """Twilio's Messages list page holding `messages`."""
    return {"messages": list(messages), "page": 0, "page_size": 50, "next_page_uri": None}


def message(sid: str, body: str, created, direction: str = "outbound-api") -> dict[str, object]:
    """One message as Twilio lists it."""
    return {
        "sid": sid,
        "to": TECH_PHONE,
        "body": body,
        "direction": direction,
        "date_created": format_datetime(created),
        "date_sent": format_datetime(created),
    }


def test_a_text_twilio_has_is_recorded_as_sent_not_sent_again(
    database, session, api, rest, clock, make_outbox
):
    row = make_outbox()
    started = clock()
    api.post(MESSAGES_URL, body=requests.exceptions.ReadTimeout("read timed out"))
    day = {"To": TECH_PHONE, "DateSent>": started.strftime("%Y-%m-%d")}
    api.get(
        MESSAGES_URL,
        json=listing(message(LOST_SID, row.body, started + timedelta(seconds=1))),
        match=[matchers.query_param_matcher(day, strict_match=False)],
    )

    assert tick(database, rest, clock) == RelayReport(retried=1)
    assert fresh(session, row).uncertain_since == started
    assert tick(database, rest, clock) == RelayReport(sent=1)

    assert [call.request.method for call in api.calls] == ["POST", "GET"]
    row = fresh(session, row)
    assert (row.status, row.provider_sid) == ("sent", LOST_SID)


@pytest.mark.parametrize(
    "answer",
    [
        {"json": listing()},
        {"json": {"code": 20500, "message": "Internal Server Error"}, "status": 500},
        {"body": requests.exceptions.ConnectionError("connection reset by peer")},
    ],
    ids=["not-found", "list-fails-500", "list-unreachable"],
)
def test_a_text_not_found_at_twilio_is_sent_again(
    database, session, api, rest, clock, make_outbox, answer
):
    row = make_outbox()
    api.post(MESSAGES_URL, body=requests.exceptions.ReadTimeout("read timed out"))
    api.get(MESSAGES_URL, **answer)
    api.post(MESSAGES_URL, json={"sid": NEW_SID, "status": "queued"}, status=201)

    assert tick(database, rest, clock) == RelayReport(retried=1)
    assert tick(database, rest, clock) == RelayReport(sent=1)

    assert [call.request.method for call in api.calls] == ["POST", "GET", "POST"]
    assert parse_qs(api.calls[2].request.body)["Body"] == [row.body]
    assert fresh(session, row).provider_sid == NEW_SID


def test_an_older_text_with_the_same_words_does_not_count(
    database, session, api, rest, clock, make_outbox
):
    row = make_outbox()
    earlier = clock() - timedelta(minutes=30)
    api.post(MESSAGES_URL, body=requests.exceptions.ReadTimeout("read timed out"))
    api.get(MESSAGES_URL, json=listing(message(LOST_SID, row.body, earlier)))
    api.post(MESSAGES_URL, json={"sid": NEW_SID, "status": "queued"}, status=201)

    tick(database, rest, clock)
    assert tick(database, rest, clock) == RelayReport(sent=1)

    assert fresh(session, row).provider_sid == NEW_SID


def test_a_refused_connection_is_resent_without_a_lookup(
    database, session, api, rest, clock, make_outbox
):
    row = make_outbox()
    api.post(MESSAGES_URL, status=500, json={"code": 20500, "message": "Internal Server Error"})
    api.post(MESSAGES_URL, json={"sid": NEW_SID, "status": "queued"}, status=201)

    tick(database, rest, clock)
    assert fresh(session, row).uncertain_since is None
    assert tick(database, rest, clock) == RelayReport(sent=1)

    assert [call.request.method for call in api.calls] == ["POST", "POST"]


def test_the_recording_messenger_finds_a_text_it_lost_the_answer_to(
    database, session, messenger, clock, make_outbox
):
    row = make_outbox()
    messenger.fail_next(TransientSendError("ReadTimeout", maybe_accepted=True))
    messenger.accepted.append({"sid": LOST_SID, "to": TECH_PHONE, "body": row.body})

    relay_due(database.sessionmaker, messenger, clock(), status_callback_url=None)
    clock.advance(timedelta(seconds=10))
    relay_due(database.sessionmaker, messenger, clock(), status_callback_url=None)

    assert messenger.sms == []
    assert len(messenger.lookups) == 1
    assert fresh(session, row).provider_sid == LOST_SID


def test_a_lease_that_ran_out_mid_send_is_looked_up_before_resending(
    database, session, messenger, clock, make_outbox
):
    row = make_outbox(status="sending", lease_until=clock() - timedelta(seconds=1), attempts=1)

    relay_due(database.sessionmaker, messenger, clock(), status_callback_url=None)

    assert messenger.lookups[0]["since"] == clock() - timedelta(seconds=61)
    assert len(messenger.sms) == 1
    assert fresh(session, row).status == "sent"
