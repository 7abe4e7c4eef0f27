"""The same step with the same keys twice in one call is two steps, not a retry: Twilio's
retry carries the I-Twilio-Idempotency-Token of the request it repeats, a new press a new
one. A second recorded message and its transcription are kept beside the first."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.support.emergencies import emergency
from tests.support.logins import as_staff
from tests.support.outbox import outbox
from tests.support.recordings import RECORDING_SID, fake_recordings, twilio_recording_url
from tests.support.replies import voice_page
from tests.support.twilio import PUBLIC_BASE_URL, sign
from ticketing.calls.intake import further_recordings
from ticketing.models import Ticket
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


def test_the_same_step_after_any_call_has_ended_is_a_replay(client, session, page, clock) -> None:
    # The token is not signed: a captured request sent again under a token of one's own
    # hours later must change nothing, and gets the answer the step had.
    first = _press(client, page.id, "5", token="press-1")
    once, rows = _steps_fired(session), len(outbox(session))
    clock.advance(timedelta(hours=4, minutes=1))

    replayed = _press(client, page.id, "5", token="forged-token")

    assert (_steps_fired(session), len(outbox(session))) == (once, rows)
    assert replayed.data == first.data


def test_a_retry_with_the_same_token_is_still_one_step(client, session, page) -> None:
    first = _press(client, page.id, "5", token="press-1")
    once, rows = _steps_fired(session), len(outbox(session))

    again = _press(client, page.id, "5", token="press-1")

    assert again.data == first.data
    assert (_steps_fired(session), len(outbox(session))) == (once, rows)


SECOND_SID = "RE" + "fedcba9876543210" * 2


def _transcribed(call, sid: str, text: str):
    return call.post(
        "/twilio/voice/transcription",
        RecordingSid=sid,
        RecordingUrl=twilio_recording_url(sid),
        TranscriptionText=text,
        TranscriptionStatus="completed",
    )


def _recorded(call, sid: str, seconds: int):
    return call.post(
        "/twilio/voice/recorded",
        RecordingUrl=twilio_recording_url(sid),
        RecordingSid=sid,
        RecordingDuration=str(seconds),
        Digits="#",
    )


def test_a_second_message_in_one_call_is_kept_beside_the_first(
    app, phone, client, session, directory
) -> None:
    call = phone("+13365550123")
    call.ring()
    _recorded(call, RECORDING_SID, 14)
    _recorded(call, SECOND_SID, 9)  # e.g. moved to a message again after a reclassification

    ticket = session.scalars(select(Ticket)).one()
    session.refresh(ticket)
    assert (ticket.recording_sid, ticket.recording_duration) == (RECORDING_SID, 14)
    [further] = further_recordings(session, ticket.id)
    assert (further.sid, further.duration) == (SECOND_SID, 9)

    source = fake_recordings(app)
    as_staff(client, session)
    page = client.get(f"/console/tickets/{ticket.number}").get_data(as_text=True)
    first, second = (f"/console/tickets/{ticket.number}/recording{q}" for q in ("", "?message=2"))
    assert f'src="{first}"' in page and f'src="{second.replace("&", "&amp;")}"' in page
    assert client.get(second).status_code == 200
    assert [ref.recording_sid for ref, _ in source.fetched] == [SECOND_SID]
    assert client.get(f"/console/tickets/{ticket.number}/recording?message=3").status_code == 404


def test_a_second_transcription_is_added_not_dropped(phone, session, directory) -> None:
    call = phone("+13365550123")
    call.ring()
    _recorded(call, RECORDING_SID, 14)
    _recorded(call, SECOND_SID, 9)

    _transcribed(call, RECORDING_SID, "The server is down.")
    _transcribed(call, SECOND_SID, "Also the printers.")
    _transcribed(call, SECOND_SID, "Also the printers.")  # Twilio's retry of it

    ticket = session.scalars(select(Ticket)).one()
    session.refresh(ticket)
    assert ticket.description == "The server is down.\n\nFurther message: Also the printers."
    assert further_recordings(session, ticket.id)[0].transcription == "Also the printers."
