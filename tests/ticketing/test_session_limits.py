"""A capped help-desk session: the technician is texted two minutes before the 30-minute
limit, once, and not for a session that ended or was never capped."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from intake.runtime import sweeps_for
from tests.support.moments import local
from tests.support.tickets import events, help_desk_caller
from ticketing.calls.session_limits import warn_capped_sessions
from ticketing.models import OutboxMessage

ANSWERED = local("2026-12-08 10:00")


def in_session(session, directory, *, capped: bool = True, sid: str = "CA" + "1" * 32):
    """The bakery's caller, taken by Dana at 10:00 after a 5-minute wait."""
    entry = help_desk_caller(
        session, directory["bakery"].id, "+13365550123", sid, ANSWERED - timedelta(minutes=5)
    )
    entry.outcome, entry.left_at, entry.wait_seconds = "answered", ANSWERED, 300
    entry.technician_id, entry.capped = directory["dana"].id, capped
    session.commit()
    return entry


def warnings(session) -> list[OutboxMessage]:
    stmt = select(OutboxMessage).where(OutboxMessage.dedupe_key.startswith("helpdesk-cap:"))
    return list(session.scalars(stmt))


def test_the_technician_is_texted_two_minutes_before_the_end(session, directory) -> None:
    entry = in_session(session, directory)
    assert warn_capped_sessions(session, ANSWERED + timedelta(minutes=27, seconds=59)) == 0
    assert warn_capped_sessions(session, ANSWERED + timedelta(minutes=28)) == 1
    assert warn_capped_sessions(session, ANSWERED + timedelta(minutes=28, seconds=15)) == 0
    [text] = warnings(session)
    assert text.to_number == directory["dana"].phone and text.kind == "notice"
    assert text.body == (
        f"HELP DESK: 2 minutes left. Your session with Blue Ridge Bakery (ticket "
        f"#{entry.ticket.number}) ends at 30 minutes because others are waiting."
    )
    lines = [e.message for e in events(session, entry.ticket_id, "helpdesk_queue")]
    assert lines.count("Two minutes left of the 30-minute session: Dana Whitfield texted.") == 1


def test_no_warning_for_an_uncapped_or_ended_session(session, directory, clock) -> None:
    in_session(session, directory, capped=False)
    ended = in_session(session, directory, sid="CA" + "2" * 32)
    ended.session_ended_at = ANSWERED + timedelta(minutes=20)
    session.commit()
    assert warn_capped_sessions(session, ANSWERED + timedelta(minutes=29)) == 0
    assert warnings(session) == []


def test_no_late_warning_after_the_limit(session, directory) -> None:
    in_session(session, directory)
    assert warn_capped_sessions(session, ANSWERED + timedelta(minutes=30)) == 0


def test_the_scheduler_runs_the_warning_sweep(settings) -> None:
    [(fn, seconds)] = [
        (fn, s) for name, fn, s in sweeps_for(settings) if name == "helpdesk-session-limits"
    ]
    assert fn is warn_capped_sessions and seconds == 15
