"""Staff are texted once about a help-desk caller who has waited longer than the limit while
no technician was available."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from intake.runtime import sweeps_for
from tests.support.moments import local
from tests.support.tickets import events, help_desk_caller
from ticketing.calls.wait_alerts import alert_long_waits
from ticketing.models import OutboxMessage
from ticketing.people.availability import make_available, make_away, start_session

QUEUED = local("2026-12-08 10:00")
LIMIT = timedelta(minutes=10)


def alerts(session) -> list[OutboxMessage]:
    stmt = select(OutboxMessage).where(OutboxMessage.kind == "alert").order_by(OutboxMessage.id)
    return list(session.scalars(stmt))


def test_a_long_wait_with_nobody_available_texts_the_managers_once(session, directory) -> None:
    entry = help_desk_caller(
        session, directory["bakery"].id, "+13365550123", "CA" + "1" * 32, QUEUED
    )
    assert alert_long_waits(session, QUEUED + timedelta(minutes=10), after=LIMIT) == 0
    assert alerts(session) == []

    assert alert_long_waits(session, QUEUED + timedelta(minutes=11), after=LIMIT) == 1
    assert alert_long_waits(session, QUEUED + timedelta(minutes=12), after=LIMIT) == 0
    sent = alerts(session)
    assert [row.to_number for row in sent] == [directory["priya"].phone]  # the manager
    assert sent[0].body == (
        f"HELP DESK WAIT: Blue Ridge Bakery (ticket #{entry.ticket.number}) has waited 11 min "
        "and no technician is available. 1 waiting in all."
    )
    lines = [e.message for e in events(session, entry.ticket_id, "helpdesk_queue")]
    assert lines.count("Waited 11 min with no technician available: texted Priya Nair.") == 1


def test_without_managers_every_active_technician_is_texted(session, directory) -> None:
    directory["priya"].is_manager = False
    help_desk_caller(session, directory["bakery"].id, "+13365550123", "CA" + "1" * 32, QUEUED)
    alert_long_waits(session, QUEUED + timedelta(minutes=15), after=LIMIT)
    assert {row.technician_id for row in alerts(session)} == {
        directory[name].id for name in ("dana", "luis", "priya")
    }


def test_no_alert_while_a_technician_is_available(session, directory) -> None:
    help_desk_caller(session, directory["bakery"].id, "+13365550123", "CA" + "1" * 32, QUEUED)
    make_available(directory["dana"], now=QUEUED)
    assert alert_long_waits(session, QUEUED + timedelta(minutes=20), after=LIMIT) == 0
    # Busy in a session or away: nobody is free, so staff hear of it.
    start_session(directory["dana"], now=QUEUED + timedelta(minutes=21))
    assert alert_long_waits(session, QUEUED + timedelta(minutes=21), after=LIMIT) == 1
    make_away(directory["dana"], now=QUEUED + timedelta(minutes=22))
    assert len(alerts(session)) == 1


def test_each_caller_is_alerted_about_once(session, directory) -> None:
    first = help_desk_caller(
        session, directory["bakery"].id, "+13365550123", "CA" + "1" * 32, QUEUED
    )
    later = QUEUED + timedelta(minutes=5)
    second = help_desk_caller(
        session, directory["diner"].id, "+13365550167", "CA" + "2" * 32, later
    )
    assert alert_long_waits(session, QUEUED + timedelta(minutes=11), after=LIMIT) == 1
    assert alert_long_waits(session, QUEUED + timedelta(minutes=16), after=LIMIT) == 1
    assert alert_long_waits(session, QUEUED + timedelta(minutes=30), after=LIMIT) == 0
    assert [row.ticket_id for row in alerts(session)] == [first.ticket_id, second.ticket_id]


def test_a_limit_of_zero_never_alerts(session, directory) -> None:
    help_desk_caller(session, directory["bakery"].id, "+13365550123", "CA" + "1" * 32, QUEUED)
    assert alert_long_waits(session, QUEUED + timedelta(hours=1), after=timedelta(0)) == 0


def test_the_scheduler_sweeps_with_the_configured_limit(settings) -> None:
    configured = settings.with_overrides(helpdesk_wait_alert=7)
    [(fn, seconds)] = [
        (fn, s) for name, fn, s in sweeps_for(configured) if name == "helpdesk-wait-alerts"
    ]
    assert seconds == 30 and fn.func is alert_long_waits
    assert fn.keywords == {"after": timedelta(minutes=7)}
    assert settings.helpdesk_wait_alert == 10
