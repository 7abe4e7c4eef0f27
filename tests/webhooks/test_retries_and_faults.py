"""Twilio retries change nothing; failures inside a call still give the caller valid TwiML."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from tests.support.rows import count_rows
from tests.support.twilio import said, twiml
from ticketing.calls.spool import read_entries, spool_file
from ticketing.calls.spool_replay import replay_spool
from ticketing.models import Call, OutboxMessage, Ticket, TicketEvent


def test_retried_incoming_call_opens_one_ticket(phone, session, directory) -> None:
    call = phone("+13365550123")
    first = call.ring()
    retry = call.ring()
    assert retry.data == first.data
    assert count_rows(session, Ticket) == 1
    assert count_rows(session, Call) == 1
    assert count_rows(session, TicketEvent) == 3


def test_retried_final_step_pages_once(phone, session, directory) -> None:
    call = phone("+13365550123")
    call.ring()
    call.record()
    first = call.post("/twilio/voice/callback/confirm", Digits="1")
    retry = call.post("/twilio/voice/callback/confirm", Digits="1")
    assert retry.data == first.data
    assert count_rows(session, OutboxMessage) == 1


def test_finish_and_hang_up_callback_page_once(phone, twilio, session, directory) -> None:
    call = phone("+13365550123")
    call.ring()
    call.post("/twilio/voice/callback/confirm", Digits="1")
    twilio("/twilio/voice/status", {**call.base, "CallStatus": "completed", "SequenceNumber": "2"})
    call.post("/twilio/voice/fallback-message")
    assert count_rows(session, OutboxMessage) == 1


def test_retried_status_callback_records_once(phone, twilio, session, directory) -> None:
    call = phone("+13365550123")
    call.ring()
    params = {**call.base, "CallStatus": "completed", "SequenceNumber": "4"}
    assert twilio("/twilio/voice/status", params).status_code == 204
    assert twilio("/twilio/voice/status", params).status_code == 204
    ended = session.scalars(select(TicketEvent).where(TicketEvent.kind == "call_ended")).all()
    assert len(ended) == 1


def test_late_status_callback_does_not_undo_a_newer_one(phone, twilio, session, directory) -> None:
    call = phone("+13365550123")
    call.ring()
    twilio("/twilio/voice/status", {**call.base, "CallStatus": "completed", "SequenceNumber": "3"})
    twilio(
        "/twilio/voice/status", {**call.base, "CallStatus": "in-progress", "SequenceNumber": "1"}
    )
    assert session.get(Call, call.base["CallSid"]).status == "completed"


def test_status_for_unknown_call_is_accepted_and_ignored(twilio, session) -> None:
    answer = twilio("/twilio/voice/status", {"CallSid": "CAunknown", "CallStatus": "completed"})
    assert answer.status_code == 204
    assert count_rows(session, Ticket) == 0


def test_step_of_a_call_we_never_saw_opens_its_ticket(phone, session, directory) -> None:
    """The first webhook was lost (say the database was down): the next step still opens one."""
    call = phone("+13365550123")
    call.record()
    ticket = session.scalars(select(Ticket)).one()
    assert ticket.recording_sid == "RE0001"
    assert ticket.client.name == "Blue Ridge Bakery"


def _explode(*_args, **_kwargs):
    raise RuntimeError("boom")


def test_exception_mid_call_takes_a_message_instead_of_a_500(
    phone, session, directory, monkeypatch
) -> None:
    monkeypatch.setattr("ticketing.calls.intake.identify_by_account", _explode)
    call = phone("anonymous")
    call.ring()
    answer = call.post("/twilio/voice/account/1", Digits="1001")
    root = twiml(answer)
    assert "problem right now" in said(answer)
    assert root.find("Record").get("action") == "/twilio/voice/fallback-message"
    assert root.find("Dial") is None


def test_exception_forwards_to_fallback_number_when_set(app, phone, directory, monkeypatch) -> None:
    settings = app.config["SETTINGS"]
    app.config["SETTINGS"] = settings.with_overrides(fallback_forward_number="+13368991911")
    monkeypatch.setattr("webhooks.voice.business_calendar", _explode)
    monkeypatch.setattr("webhooks.new_call.business_calendar", _explode)
    monkeypatch.setattr("webhooks.new_call.kept_calendar", _explode)
    answer = phone("+13365550123").ring()
    dial = twiml(answer).find("Dial")
    assert dial is not None and dial.text == "+13368991911"
    assert twiml(answer).find("Record") is not None  # if nobody answers the forward


def test_database_down_answers_with_safe_twiml(phone, session, directory, monkeypatch) -> None:
    def unreachable(*_args, **_kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr("webhooks.handling.receipts_of", unreachable)
    monkeypatch.setattr("ticketing.calls.first_ring.look", unreachable)
    answer = phone("+13365550123").ring()
    assert answer.status_code == 200
    assert "problem right now" in said(answer)


def _spooled(app) -> list:
    return read_entries(spool_file(app.config["SETTINGS"].instance_path)).entries


def _replayed_lines(app, session, clock) -> list[str]:
    settings = app.config["SETTINGS"]
    path = spool_file(settings.instance_path)
    assert replay_spool(session, clock(), path=path, calendar_settings=settings)
    events = session.scalars(select(TicketEvent).where(TicketEvent.kind == "spool_replayed"))
    return [event.message for event in events]


def test_a_fault_of_the_service_is_not_called_a_database_outage(
    app, phone, session, directory, monkeypatch, clock
) -> None:
    monkeypatch.setattr("ticketing.calls.intake.identify_by_account", _explode)
    call = phone("anonymous")
    call.ring()
    call.post("/twilio/voice/account/1", Digits="1001")
    [entry] = _spooled(app)
    assert entry.reason == "the service failed (RuntimeError at /twilio/voice/account/1)"
    [line] = _replayed_lines(app, session, clock)
    assert "database" not in line
    assert line.startswith("The service failed (RuntimeError at /twilio/voice/account/1)")


def test_a_database_outage_is_named_as_one(app, phone, session, directory, monkeypatch) -> None:
    def unreachable(*_args, **_kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr("webhooks.handling.receipts_of", unreachable)
    monkeypatch.setattr("ticketing.calls.first_ring.look", unreachable)
    phone("+13365550123").ring()
    assert [entry.reason for entry in _spooled(app)] == ["the database was unreachable"]


def test_twilio_falling_back_says_what_twilio_reported(app, twilio, session, directory) -> None:
    fields = {
        "CallSid": "CA" + "f" * 32,
        "From": "+13365550123",
        "ErrorCode": "11200",
        "ErrorUrl": "https://intake.example.com/twilio/voice/incoming",
    }
    twilio("/twilio/voice/fallback", fields)
    [entry] = _spooled(app)
    assert entry.reason == (
        "Twilio got no usable answer from the service (error 11200 at /twilio/voice/incoming)"
    )


def test_effects_of_a_failed_step_are_rolled_back(phone, session, directory, monkeypatch) -> None:
    call = phone("+13365550123")
    call.ring()
    monkeypatch.setattr("ticketing.calls.intake.start_escalation", _explode)
    call.post("/twilio/voice/callback/confirm", Digits="1")
    ticket = session.scalars(select(Ticket)).one()
    session.refresh(ticket)
    assert ticket.intake_completed_at is None  # not half-done: the sweep or a retry finishes it


def test_fallback_message_becomes_a_paged_ticket(phone, session, directory) -> None:
    call = phone("+13365550123")
    answer = call.post(
        "/twilio/voice/fallback-message",
        RecordingUrl="https://api.twilio.com/rec/RE9",
        RecordingSid="RE9",
        RecordingDuration="30",
    )
    assert "Your message has reached Accelerando" in said(answer)
    ticket = session.scalars(select(Ticket)).one()
    assert ticket.recording_sid == "RE9"
    assert count_rows(session, OutboxMessage) == 1


def test_fallback_message_failing_too_is_kept_in_the_local_spool(
    app, phone, directory, monkeypatch
) -> None:
    monkeypatch.setattr("ticketing.calls.intake.complete_intake", _explode)
    answer = phone("+13365550123").post("/twilio/voice/fallback-message", RecordingSid="RE7")
    assert "Your message has reached Accelerando" in said(answer)
    entries = read_entries(spool_file(app.config["SETTINGS"].instance_path)).entries
    assert [(e.kind, e.recording_sid) for e in entries] == [("message", "RE7")]


def test_fallback_message_failing_with_no_spool_either_ends_politely(
    phone, directory, monkeypatch
) -> None:
    monkeypatch.setattr("ticketing.calls.intake.complete_intake", _explode)
    monkeypatch.setattr("webhooks.fallback.append_entry", _disk_full)
    answer = phone("+13365550123").post("/twilio/voice/fallback-message")
    assert "could not save your message" in said(answer)
    assert twiml(answer).find("Hangup") is not None


def _disk_full(*_args, **_kwargs):
    raise OSError(28, "No space left on device")


def test_status_callback_failure_is_a_204_not_a_500(phone, twilio, directory, monkeypatch) -> None:
    call = phone("+13365550123")
    call.ring()
    monkeypatch.setattr("ticketing.calls.intake.call_status", _explode)
    answer = twilio("/twilio/voice/status", {**call.base, "CallStatus": "completed"})
    assert answer.status_code == 204


def test_missing_call_sid_gets_safe_twiml(twilio, session) -> None:
    answer = twilio("/twilio/voice", {"From": "+13365550123"})
    assert "problem right now" in said(answer)
    assert count_rows(session, Ticket) == 0


@pytest.mark.parametrize("sandbox", [False, True])
def test_simulated_moment_is_honoured_only_in_the_sandbox(
    app, phone, session, directory, sandbox
) -> None:
    app.config["SETTINGS"] = app.config["SETTINGS"].with_overrides(sandbox=sandbox)
    call = phone("+13365550123")
    call.base["SimulatedAt"] = "2026-12-24 21:30"
    call.ring()
    reason = session.scalars(select(Ticket)).one().classification_reason
    assert reason == ("holiday: Christmas Eve" if sandbox else "weekend")


def test_old_receipts_are_pruned_but_recent_ones_kept(phone, session, directory, clock) -> None:
    from datetime import timedelta

    from ticketing.models import WebhookReceipt
    from webhooks.receipts import prune_receipts

    phone("+13365550123").ring()
    receipts = session.scalars(select(WebhookReceipt)).all()
    assert len(receipts) == 2  # the request's answer, and when its step was first taken
    assert prune_receipts(session, receipts[0].created_at + timedelta(days=1)) == 0
    assert prune_receipts(session, receipts[0].created_at + timedelta(days=8)) == 2
    assert count_rows(session, WebhookReceipt) == 0
