"""The same step with the same keys twice in one call is two steps, not a retry: Twilio's
retry carries the I-Twilio-Idempotency-Token of the request it repeats, a new press a new
one. A second recorded message and its transcription are kept beside the first."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.support.emergencies import emergency
from tests.support.outbox import outbox
from tests.support.replies import voice_page
from tests.support.twilio import PUBLIC_BASE_URL, sign
from ticketing.oncall.roster import set_on_call
from ticketing.paging.models import Escalation

CALL_SID = "CA" + "7" * 32


@pytest.fixture
def page(phone, session, directory, clock):
    """An emergency five minutes unacknowledged: Dana's phone is ringing with its page."""
    set_on_call(session, "Luis Romero", now=clock(), role="secondary")
    session.commit()
    return voice_page(session, clock, emergency(phone, session), CALL_SID)


def _press(client, page_id: int, digits: str, token: str):
    path = f"/twilio/voice/page/{page_id}/key"
    params = {"CallSid": CALL_SID, "CallStatus": "in-progress", "Digits": digits}
    headers = {
        "X-Twilio-Signature": sign(PUBLIC_BASE_URL + path, params),
        "I-Twilio-Idempotency-Token": token,
    }
    return client.post(path, data=params, headers=headers)


def _steps_fired(session) -> int:
    session.expire_all()
    return session.scalars(select(Escalation)).one().next_step


def test_pressing_5_twice_escalates_twice(client, session, page) -> None:
    before = _steps_fired(session)
    _press(client, page.id, "5", token="press-1")
    once = _steps_fired(session)

    _press(client, page.id, "5", token="press-2")

    assert before < once < _steps_fired(session)


def test_a_retry_with_the_same_token_is_still_one_step(client, session, page) -> None:
    first = _press(client, page.id, "5", token="press-1")
    once, rows = _steps_fired(session), len(outbox(session))

    again = _press(client, page.id, "5", token="press-1")

    assert again.data == first.data
    assert (_steps_fired(session), len(outbox(session))) == (once, rows)
