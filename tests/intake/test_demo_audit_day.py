"""The demo's audit trail shows a day of the firm's work: staff in the console, the command
line and a client's administrator, each change at its moment of the last weekday."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sandbox.demo.seed import seed_demo
from sandbox.demo.staff_day import last_weekday
from tests.support.audit import trail
from tests.support.logins import as_staff
from tests.support.pages import html_of

ZONE = ZoneInfo("America/New_York")


def test_the_demo_has_a_day_in_the_trail(session, clock) -> None:
    seed_demo(session, clock())
    session.commit()

    entries = trail(session)
    day = last_weekday(clock().astimezone(ZONE).date())
    assert len(entries) >= 6
    assert {e.at.astimezone(ZONE).date() for e in entries} == {day}
    assert {e.source for e in entries} == {"console", "cli", "portal"}
    assert {e.subject_type for e in entries} >= {"on-call override", "ticket", "contact"}
    assert {e.actor for e in entries if e.source == "console"} == {
        "Priya Nair <priya@accelerando.example>"
    }
    assert all(e.at <= clock() for e in entries)


def test_the_console_shows_the_demo_day(client, session, clock) -> None:
    seed_demo(session, clock())
    session.commit()
    as_staff(client, session)

    html = html_of(client.get("/console/audit"))
    assert "Priya Nair" in html and "cli:ops" in html and "Tom Reyes" in html
