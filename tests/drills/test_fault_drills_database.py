"""Quick drill: the database is unreachable when a call arrives (connection refused, or a
socket that never answers). The call is still answered within 2 s with TwiML that
forwards to FALLBACK_FORWARD_NUMBER and takes a message; the message waits in the local
spool and becomes a paged ticket, once, when the database is back."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from intake.app import create_app
from intake.config import ConfigError, load_settings
from tests.support.faults import WorkerKilled, black_hole, closed_port
from tests.support.twilio import AUTH_TOKEN, PUBLIC_BASE_URL, said, sign, twiml
from ticketing.calls.spool import SpoolEntry, append_entry, read_entries, spool_file
from ticketing.calls.spool_replay import replay_spool
from ticketing.models import OutboxMessage, Ticket

pytestmark = pytest.mark.xdist_group("drills")

FORWARD = "+13365550199"
CALL = {"CallSid": "CA" + "d" * 32, "From": "+13365550123", "To": "+18888991911"}
MESSAGE = {
    **CALL,
    "RecordingUrl": "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE5",
    "RecordingSid": "RE5",
    "RecordingDuration": "21",
}
WORDS = {
    **CALL,
    "TranscriptionText": "The card reader is dead.",
    "TranscriptionStatus": "completed",
}


@pytest.fixture(params=["refused", "black-holed"])
def down_app(request, settings, clock) -> Iterator[Flask]:
    """The web app with its database unreachable, sharing the test's instance path."""
    with black_hole() as silent:
        port = closed_port() if request.param == "refused" else silent
        url = f"postgresql+psycopg://intake:intake@127.0.0.1:{port}/intake"
        app = create_app(
            settings.with_overrides(database_url=url, fallback_forward_number=FORWARD),
            clock=clock,
        )
        yield app
        app.extensions["db"].engine.dispose()


def _post(app: Flask, path: str, params: dict[str, str], *, signed: bool = True):
    """Post as Twilio; the answer and how long it took."""
    headers = {"X-Twilio-Signature": sign(PUBLIC_BASE_URL + path, params, AUTH_TOKEN)}
    started = time.monotonic()
    answer = app.test_client().post(path, data=params, headers=headers if signed else {})
    return answer, time.monotonic() - started


def _replay(session, settings, clock) -> int:
    done = replay_spool(
        session, clock(), path=spool_file(settings.instance_path), calendar_settings=settings
    )
    session.commit()
    return done


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_a_call_is_answered_in_2_s_and_its_message_paged_once_the_database_is_back(
    down_app, session, directory, settings, clock
):
    answer, seconds = _post(down_app, "/twilio/voice", {**CALL, "CallStatus": "ringing"})
    assert seconds < 2.0
    root = twiml(answer)
    assert root.findtext("Dial") == FORWARD
    record = root.find("Record")
    assert record.get("action") == "/twilio/voice/fallback-message"
    assert record.get("transcribeCallback") == "/twilio/voice/fallback/transcription"

    answer, seconds = _post(down_app, "/twilio/voice/fallback-message", MESSAGE)
    assert seconds < 2.0 and "Your message has reached Accelerando" in said(answer)
    answer, seconds = _post(down_app, "/twilio/voice/fallback/transcription", WORDS)
    assert seconds < 2.0 and answer.status_code == 204
    kinds = [e.kind for e in read_entries(spool_file(settings.instance_path)).entries]
    assert kinds == ["call", "message", "transcription"]

    assert _count(session, Ticket) == 0  # nothing reached the database meanwhile
    assert _replay(session, settings, clock) == 3  # the database is back
    ticket = session.scalars(select(Ticket)).one()
    assert (ticket.service_class, ticket.recording_sid) == ("emergency", "RE5")
    assert ticket.description == "The card reader is dead."
    [page] = session.scalars(select(OutboxMessage)).all()
    assert page.to_number == "+13365550101" and "card reader is dead" in page.body

    assert _replay(session, settings, clock) == 0  # every entry is in: the file is emptied
    assert read_entries(spool_file(settings.instance_path)).size == 0
    assert (_count(session, Ticket), _count(session, OutboxMessage)) == (1, 1)


def test_twilio_fallback_url_answers_without_the_database_and_checks_signatures(down_app, settings):
    params = {**CALL, "ErrorCode": "11205", "ErrorUrl": f"{PUBLIC_BASE_URL}/twilio/voice"}
    answer, seconds = _post(down_app, "/twilio/voice/fallback", params)
    assert seconds < 0.5  # no database involved at all
    assert twiml(answer).findtext("Dial") == FORWARD
    assert "problem right now" in said(answer)
    assert [e.kind for e in read_entries(spool_file(settings.instance_path)).entries] == ["call"]
    forged, _ = _post(down_app, "/twilio/voice/fallback", params, signed=False)
    assert forged.status_code == 403


def test_replay_survives_a_crash_and_retried_requests_without_doubles(
    session, directory, settings, clock, monkeypatch
):
    down = create_app(
        settings.with_overrides(
            database_url=f"postgresql+psycopg://intake:intake@127.0.0.1:{closed_port()}/x"
        ),
        clock=clock,
    )
    second = {**MESSAGE, "CallSid": "CA" + "e" * 32, "From": "+13365550167", "RecordingSid": "RE6"}
    for params in (MESSAGE, MESSAGE, second):  # the first one retried by Twilio
        _post(down, "/twilio/voice/fallback-message", params)
    assert len(read_entries(spool_file(settings.instance_path)).entries) == 3

    import ticketing.calls.spool_replay as replay

    real = replay.store_recording

    def die_on_the_second(session_, call, **kwargs):
        if kwargs["sid"] == "RE6":
            raise WorkerKilled  # SIGKILL mid-replay: the sweep's transaction never commits
        real(session_, call, **kwargs)

    monkeypatch.setattr(replay, "store_recording", die_on_the_second)
    with pytest.raises(WorkerKilled):
        _replay(session, settings, clock)
    session.rollback()
    assert _count(session, Ticket) == 0
    monkeypatch.setattr(replay, "store_recording", real)

    assert _replay(session, settings, clock) == 2  # the retried request counts once
    assert _replay(session, settings, clock) == 0
    assert sorted(t.recording_sid for t in session.scalars(select(Ticket))) == ["RE5", "RE6"]
    assert _count(session, OutboxMessage) == 2  # both emergencies paged, once each


def test_a_message_for_a_call_the_database_already_had_lands_on_its_ticket(
    phone, session, directory, settings, clock, down_app
):
    call = phone(CALL["From"], CALL["CallSid"])
    call.ring()  # the database was up when the call came in ...
    _post(down_app, "/twilio/voice/fallback-message", MESSAGE)  # ... and down after it
    assert _replay(session, settings, clock) == 1
    ticket = session.scalars(select(Ticket)).one()
    assert ticket.recording_sid == "RE5" and ticket.intake_completed_at is not None
    assert _count(session, OutboxMessage) == 1


def test_an_entry_that_keeps_failing_is_set_aside_after_a_day_never_blocking_the_rest(
    session, directory, settings, clock, monkeypatch
):
    path = spool_file(settings.instance_path)
    old = clock() - timedelta(days=2)
    poison = SpoolEntry("k-poison", "transcription", old, "CA" + "f" * 32, from_raw="+13365550167")
    good = SpoolEntry("k-good", "message", clock(), CALL["CallSid"], from_raw=CALL["From"])
    for entry in (poison, good):
        append_entry(path, entry)

    import ticketing.calls.spool_replay as replay

    monkeypatch.setattr(replay, "store_transcription", _explode)
    assert _replay(session, settings, clock) == 1  # the good one, in spite of the bad one
    assert read_entries(path).size > 0  # nothing leaves the file before its commit
    assert _replay(session, settings, clock) == 0
    assert read_entries(path).size == 0
    assert path.with_suffix(".rejected").read_bytes() == poison.to_line()
    assert _count(session, OutboxMessage) == 1


def test_a_recent_failing_entry_stays_in_the_spool(
    session, directory, settings, clock, monkeypatch
):
    path = spool_file(settings.instance_path)
    append_entry(path, SpoolEntry("k-new", "transcription", clock(), "CA" + "f" * 32))
    import ticketing.calls.spool_replay as replay

    monkeypatch.setattr(replay, "store_transcription", _explode)
    for _ in range(2):
        assert _replay(session, settings, clock) == 0
    assert len(read_entries(path).entries) == 1


def _explode(*_args, **_kwargs):
    raise RuntimeError("a bug in the replay of this entry")


def test_the_connect_deadline_is_a_setting_and_bounds_the_wait(settings, clock):
    env = {
        "INTAKE_INSTANCE_PATH": str(settings.instance_path),
        "SECRET_KEY": "a-test-secret-key-of-32-characters",
        "TWILIO_AUTH_TOKEN": "test-auth-token",
    }
    assert load_settings({**env}).database_connect_timeout == 1.0
    quick = load_settings({**env, "DATABASE_CONNECT_TIMEOUT": "0.4"})
    for wrong in ("0", "-1", "61", "soon", "nan"):
        with pytest.raises(ConfigError, match="DATABASE_CONNECT_TIMEOUT"):
            load_settings({**env, "DATABASE_CONNECT_TIMEOUT": wrong})
    with black_hole() as port:
        url = f"postgresql+psycopg://intake:intake@127.0.0.1:{port}/intake"
        app = create_app(quick.with_overrides(database_url=url), clock=clock)
        started = time.monotonic()
        with pytest.raises(OperationalError, match=r"within 0\.4 s"):
            app.extensions["db"].engine.connect()
        assert time.monotonic() - started < 1.0
        app.extensions["db"].engine.dispose()
