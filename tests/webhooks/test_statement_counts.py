"""What the later webhooks of a call cost in SQL statements, pinned: each loads its call
with the ticket locked in one statement and writes one statement per table, so a lazy load,
a second look at the ticket or a flush before a read shows up here. The webhook wrapper's
receipts are its own business and left out; PostgreSQL adds one NOTIFY when a page is owed."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import Engine

from tests.support.moments import local
from tests.support.people import JANE
from tests.support.statements import batched, shown, statements
from ticketing.paging.policies import default_policy


def _ours(sent: list[str]) -> list[str]:
    return batched([s for s in sent if "webhook_receipts" not in s])


def _notify(engine: Engine) -> int:
    return 1 if engine.dialect.name == "postgresql" else 0


def _count(ours: list[str], start: str) -> int:
    return sum(s.startswith(start) for s in ours)


@pytest.fixture
def paging(session, directory) -> None:
    """The default escalation policy in place, as after the first emergency ever."""
    default_policy(session)
    session.commit()


@pytest.fixture
def call(phone, paging):
    """An after-hours call from the bakery's representative, its message recorded."""
    call = phone(JANE)
    call.ring()
    call.record(sid="RE5")
    return call


def test_confirming_the_callback_completes_and_pages_in_nine(call, engine) -> None:
    with statements(engine) as sent:
        call.post("/twilio/voice/callback/confirm", Digits="1")
    ours = _ours(sent)
    # The call with its locked ticket; the company's lock and its running escalation; the
    # policy with its steps; who is on call; then the ticket, its lines, the escalation
    # and the page, one statement each.
    assert len(ours) == 9 + _notify(engine), shown(ours)
    assert _count(ours, "INSERT INTO ticket_events") == 1, shown(ours)
    assert _count(ours, "UPDATE tickets") == 1, shown(ours)
    assert _count(ours, "INSERT INTO outbox") == 1, shown(ours)
    assert _count(ours, "UPDATE escalations") == 0, shown(ours)


@pytest.mark.scheduler_silent
def test_a_silent_scheduler_costs_one_read_and_no_write_more(call, engine) -> None:
    with statements(engine) as sent:
        answer = call.post("/twilio/voice/callback/confirm", Digits="1")
    assert b"being paged" not in answer.data
    ours = _ours(sent)
    assert len(ours) == 10 + _notify(engine), shown(ours)
    assert _count(ours, "INSERT INTO ticket_events") == 1, shown(ours)


def test_a_transcription_before_the_page_costs_three(call, engine) -> None:
    with statements(engine) as sent:
        call.post(
            "/twilio/voice/transcription",
            TranscriptionText="The card reader says offline.",
            TranscriptionStatus="completed",
            RecordingSid="RE5",
        )
    # The call with its locked ticket, the description, its line: the first message's
    # transcription is not looked for among the further ones.
    assert len(_ours(sent)) == 3, shown(sent)


def test_the_hang_up_after_the_intake_costs_four(call, engine) -> None:
    call.post("/twilio/voice/callback/confirm", Digits="1")
    with statements(engine) as sent:
        call.post("/twilio/voice/status", CallStatus="completed", SequenceNumber="5")
    # The call with its locked ticket (the intake is complete: not read again), the
    # help-desk queue, the call's status and its line.
    assert len(_ours(sent)) == 4, shown(sent)


def test_the_menu_choice_of_an_emergency_costs_five(
    app: Flask, phone, directory, clock, engine
) -> None:
    app.config["SETTINGS"] = app.config["SETTINGS"].with_overrides(live_transfer=True)
    clock.set(local("2026-12-08 10:15"))  # a Tuesday morning: business hours
    call = phone(JANE)
    call.ring()
    with statements(engine) as sent:
        answer = call.post("/twilio/voice/menu/1", Digits="1")
    assert b"<Dial" in answer.data  # the on-call technician is rung live
    # The call with its locked ticket, who is on call, then the ticket, the call (its
    # class and whom it rings) and their lines, written once each.
    assert len(_ours(sent)) == 5, shown(sent)
