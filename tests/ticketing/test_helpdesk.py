"""The help-desk queue's rows: waiting, estimates, outcomes and the technician's call."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from ivr.calendar import HELP_DESK, BusinessCalendar, Classification
from ivr.queue import wait_words
from tests.support.moments import local
from ticketing.calls import helpdesk
from ticketing.calls import intake as calls
from ticketing.calls.models import QueueEntry
from ticketing.errors import DomainError, NotFound
from ticketing.models import Call, OutboxMessage

START = local("2026-12-08 10:15")


def queue_call(session, n: int, at=START) -> Call:
    """A business-hours call from a known or unknown number, put in the queue at `at`."""
    call = calls.open_call(
        session,
        call_sid=f"CA{n:032d}",
        from_raw="+13365550123",
        to_number="+18888991911",
        classification=Classification(HELP_DESK, "business hours", at),
        now=at,
    )
    helpdesk.join_queue(session, call, now=at)
    return call


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (0, "less than a minute"),
        (29, "less than a minute"),
        (30, "less than a minute"),  # rounds half to even: 0
        (31, "about 1 minute"),
        (89, "about 1 minute"),
        (91, "about 2 minutes"),
        (1800, "about 30 minutes"),
    ],
)
def test_wait_words(seconds: int, words: str) -> None:
    assert wait_words(seconds) == words


def test_joining_twice_keeps_one_entry(session, directory) -> None:
    call = queue_call(session, 1)
    helpdesk.join_queue(session, call, now=START + timedelta(seconds=5))
    entries = session.scalars(select(QueueEntry)).all()
    assert len(entries) == 1 and entries[0].queued_at == START


def test_waiting_is_first_come_first_served(session, directory) -> None:
    late = queue_call(session, 1, START + timedelta(minutes=2))
    early = queue_call(session, 2, START)
    assert [e.call_sid for e in helpdesk.waiting(session)] == [early.call_sid, late.call_sid]
    assert helpdesk.position_of(session, late.call_sid) == 2


def test_a_call_that_ended_is_not_waiting(session, directory) -> None:
    """Its Enqueue action never reached us, but the status callback did."""
    call = queue_call(session, 1)
    calls.call_status(session, call.call_sid, "completed", 1, now=START)
    assert helpdesk.waiting(session) == []
    assert helpdesk.session_capped(session, 3) is None


def test_without_history_each_caller_counts_ten_minutes(session, directory) -> None:
    assert helpdesk.estimated_wait(session, 3, START) == 1800


def test_history_older_than_thirty_days_is_ignored(session, directory, clock) -> None:
    old = queue_call(session, 1, START - timedelta(days=31))
    helpdesk.answer(
        session, old.call_sid, directory["dana"].id, capped=False, wait_seconds=60, now=START
    )
    assert helpdesk.seconds_per_caller(session, START) == helpdesk.DEFAULT_SECONDS_PER_CALLER


def test_sessions_weigh_before_waits(session, directory) -> None:
    for n, (wait, talk) in enumerate([(60, 300), (120, 420)], start=1):
        call = queue_call(session, n)
        helpdesk.answer(
            session, call.call_sid, directory["dana"].id, capped=False, wait_seconds=wait, now=START
        )
        calls.call_status(
            session, call.call_sid, "completed", 1, now=START + timedelta(seconds=talk)
        )
    assert helpdesk.seconds_per_caller(session, START) == 360  # the mean session


def test_drill_sessions_say_nothing_of_the_wait(session, directory) -> None:
    for n, (talk, drill) in enumerate([(300, False), (5, True)], start=1):
        call = queue_call(session, n)
        call.ticket.drill = drill
        helpdesk.answer(
            session, call.call_sid, directory["dana"].id, capped=False, wait_seconds=60, now=START
        )
        calls.call_status(
            session, call.call_sid, "completed", 1, now=START + timedelta(seconds=talk)
        )
    assert helpdesk.seconds_per_caller(session, START) == 300  # the real session alone


def test_the_first_outcome_holds(session, directory) -> None:
    call = queue_call(session, 1)
    later = START + timedelta(minutes=3)
    assert helpdesk.leave_queue(session, call, "leave", 170, now=later) == "message"
    assert helpdesk.leave_queue(session, call, "hangup", 200, now=later) == "message"
    entry = helpdesk.entry_for(session, call.call_sid)
    assert (entry.wait_seconds, entry.left_at) == (170, later)
    assert call.ticket.intake_completed_at is not None  # the hang-up finished the ticket


@pytest.mark.parametrize(
    ("result", "outcome"),
    [
        ("bridged", "answered"),
        ("leave", "message"),
        ("hangup", "hung_up"),
        ("queue-full", "error"),
        ("system-error", "error"),
        ("", "error"),
    ],
)
def test_queue_results(session, directory, result: str, outcome: str) -> None:
    call = queue_call(session, 1)
    assert helpdesk.leave_queue(session, call, result, None, now=START + timedelta(minutes=1))
    entry = helpdesk.entry_for(session, call.call_sid)
    assert entry.outcome == outcome
    assert entry.wait_seconds == 60  # measured from queued_at when Twilio gives no QueueTime


def test_closing_time_wins_over_the_leave_that_follows(session, directory) -> None:
    call = queue_call(session, 1)
    entry = helpdesk.entry_for(session, call.call_sid)
    helpdesk.close_for_the_day(session, entry, 400, now=START)
    assert helpdesk.leave_queue(session, call, "leave", 401, now=START) == "closed"
    assert entry.wait_seconds == 400


def test_answer_needs_a_known_technician_and_entry(session, directory) -> None:
    call = queue_call(session, 1)
    assert not helpdesk.answer(session, call.call_sid, 999, capped=False, wait_seconds=1, now=START)
    assert not helpdesk.answer(
        session, "CA-unknown", directory["dana"].id, capped=False, wait_seconds=1, now=START
    )
    assert helpdesk.entry_for(session, call.call_sid).outcome is None


def test_request_next_writes_one_call_to_the_technician(session, directory) -> None:
    for n in (1, 2, 3):
        queue_call(session, n)
    dana = directory["dana"]
    tech, count, row = helpdesk.request_next(session, "dana whitfield", now=START)
    assert (tech.id, count) == (dana.id, 3)
    assert (row.channel, row.kind, row.to_number) == ("call", "helpdesk", dana.phone)
    assert row.body == f"/twilio/voice/helpdesk/bridge/{dana.id}"
    assert (row.status, row.next_attempt_at, row.ticket_id) == ("pending", START, None)
    again = helpdesk.request_next(session, "Dana Whitfield", now=START + timedelta(seconds=9))
    assert again[2] is None  # the first call has not even been placed yet
    row.status = "sent"
    later = helpdesk.request_next(session, "Dana Whitfield", now=START + timedelta(minutes=1))
    assert later[2] is not None and later[2].dedupe_key != row.dedupe_key
    assert len(session.scalars(select(OutboxMessage)).all()) == 2


def test_request_next_refuses(session, directory) -> None:
    with pytest.raises(DomainError, match="nobody is waiting"):
        helpdesk.request_next(session, "Dana Whitfield", now=START)
    queue_call(session, 1)
    with pytest.raises(NotFound, match="no technician named 'Nobody'"):
        helpdesk.request_next(session, "Nobody", now=START)
    directory["luis"].active = False
    with pytest.raises(DomainError, match="not an active technician"):
        helpdesk.request_next(session, "Luis Romero", now=START)
    assert session.scalars(select(OutboxMessage)).all() == []


def test_today_is_the_business_day(session, directory, settings) -> None:
    calendar = BusinessCalendar.from_settings(
        settings.business_timezone, settings.business_hours, settings.holiday_calendar
    )
    yesterday = queue_call(session, 1, local("2026-12-07 23:30"))  # 04:30 UTC on the 8th
    today = queue_call(session, 2, local("2026-12-08 00:30"))
    waiting = queue_call(session, 3, START)
    for call, result in ((yesterday, "hangup"), (today, "hangup")):
        helpdesk.leave_queue(session, call, result, 10, now=START)
    counts = helpdesk.today_counts(session, calendar, START)
    assert counts == {"hung_up": 1}
    assert waiting.call_sid in {e.call_sid for e in helpdesk.waiting(session)}


def test_todays_counts_leave_drills_out(session, directory, settings) -> None:
    calendar = BusinessCalendar.from_settings(
        settings.business_timezone, settings.business_hours, settings.holiday_calendar
    )
    for n, drill in enumerate((False, True, True), start=1):
        call = queue_call(session, n)
        call.ticket.drill = drill
        helpdesk.leave_queue(session, call, "hangup", 10, now=START)
    assert helpdesk.today_counts(session, calendar, START) == {"hung_up": 1}


def test_a_caller_a_free_technician_is_rung_for_waits_no_estimate(session):
    # Two on the help desk, one free: the first in line is being rung for right now.
    assert helpdesk.estimated_wait(session, 1, START, technicians=2, free=1) == 0
    assert helpdesk.estimated_wait(session, 2, START, technicians=2, free=1) == 600
    assert helpdesk.estimated_wait(session, 4, START, technicians=2, free=1) == 1200
