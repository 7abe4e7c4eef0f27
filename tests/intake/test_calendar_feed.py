"""GET /oncall/<token>.ics: a technician's shifts, both roles, as a subscribable calendar."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from tests.support.moments import local
from tests.support.oncall import add_rotation, add_team
from ticketing.oncall.roster import add_override, set_on_call

PRIMARY = "On call (primary) — Accelerando"
SECONDARY = "On call (secondary) — Accelerando"
PACIFIC = ZoneInfo("America/Los_Angeles")


@pytest.fixture
def team(session, clock):
    """Luis and Dana alternate weekly as primary, Dana and Luis as secondary; Priya covers
    Christmas as primary, in the middle of one of Dana's primary weeks."""
    people = add_team(session)
    add_rotation(session, "Weekly", "Luis Romero,Dana Whitfield", starts="2026-11-30")
    add_rotation(
        session, "Backup", "Dana Whitfield,Luis Romero", starts="2026-11-30", role="secondary"
    )
    start, end = local("2026-12-24 17:00"), local("2026-12-26 08:00")
    add_override(session, "Priya Nair", start=start, end=end, role="primary", now=clock())
    session.commit()
    return people


def fetch(client, tech) -> Calendar:
    """The technician's feed, checked to be served as iCalendar."""
    response = client.get(f"/oncall/{tech.calendar_token}.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.data)


def spans(calendar: Calendar) -> list[tuple[str, object, object]]:
    """(summary, start, end) of every event, by start."""
    found = [(str(e["SUMMARY"]), e["DTSTART"].dt, e["DTEND"].dt) for e in calendar.walk("VEVENT")]
    return sorted(found, key=lambda span: span[1])


def test_the_feed_lists_both_roles_cut_around_an_override(client, team) -> None:
    calendar = fetch(client, team["dana"])
    assert str(calendar["X-WR-CALNAME"]) == "Accelerando on call — Dana Whitfield"
    found = spans(calendar)
    assert len(found) == 14  # 7 secondary weeks; 6 primary weeks, one cut in two
    assert found[:4] == [
        (SECONDARY, local("2026-11-30 08:00"), local("2026-12-07 08:00")),
        (PRIMARY, local("2026-12-07 08:00"), local("2026-12-14 08:00")),
        (SECONDARY, local("2026-12-14 08:00"), local("2026-12-21 08:00")),
        (PRIMARY, local("2026-12-21 08:00"), local("2026-12-24 17:00")),
    ]
    assert found[4] == (PRIMARY, local("2026-12-26 08:00"), local("2026-12-28 08:00"))
    assert found[-1] == (SECONDARY, local("2027-02-22 08:00"), local("2027-03-01 08:00"))


def test_times_are_in_utc_with_stable_unique_uids(client, team) -> None:
    response = client.get(f"/oncall/{team['dana'].calendar_token}.ics")
    assert b"DTSTART:20261221T130000Z" in response.data
    assert b"DTEND:20261224T220000Z" in response.data
    first = [str(e["UID"]) for e in fetch(client, team["dana"]).walk("VEVENT")]
    again = [str(e["UID"]) for e in fetch(client, team["dana"]).walk("VEVENT")]
    assert first == again
    assert len(set(first)) == len(first) == 14
    rotation_key = next(uid for uid in first if uid.startswith("primary-rotation-"))
    rotation_id = rotation_key.split("-")[2]
    assert f"primary-rotation-{rotation_id}-20261221T130000Z@emergency-intake" in first


def test_another_technicians_shifts_are_absent(client, team) -> None:
    dana = spans(fetch(client, team["dana"]))
    assert (PRIMARY, local("2026-11-30 08:00"), local("2026-12-07 08:00")) not in dana  # Luis's
    assert all(start != local("2026-12-24 17:00") for _, start, _ in dana)  # Priya's
    [priya] = spans(fetch(client, team["priya"]))
    assert priya == (PRIMARY, local("2026-12-24 17:00"), local("2026-12-26 08:00"))


def test_the_window_runs_from_two_weeks_ago_to_twelve_weeks_ahead(client, team, clock) -> None:
    clock.set(local("2027-01-20 12:00"))
    found = spans(fetch(client, team["dana"]))
    # Jan 4-11 (primary) began before the window opened on Jan 6 and is shown whole.
    assert found[0] == (PRIMARY, local("2027-01-04 08:00"), local("2027-01-11 08:00"))
    assert all(start < local("2027-04-14 12:00") for _, start, _ in found)
    assert found[-1][1] > local("2027-04-05 00:00")


def test_a_standing_override_runs_to_the_end_of_the_window(client, team, clock, session) -> None:
    set_on_call(session, "Priya Nair", now=clock(), role="secondary")
    session.commit()
    calendar = fetch(client, team["priya"])
    [standing] = [e for e in calendar.walk("VEVENT") if str(e["SUMMARY"]) == SECONDARY]
    assert standing["DTSTART"].dt == clock()
    assert standing["DTEND"].dt == clock() + timedelta(weeks=12)
    assert "until changed" in str(standing["DESCRIPTION"])


def test_a_pacific_rotation_is_served_at_0800_pacific(client, session, clock) -> None:
    people = add_team(session)
    add_rotation(session, "West", "Priya Nair", starts="2026-11-30", timezone="America/Los_Angeles")
    session.commit()
    calendar = fetch(client, people["priya"])
    assert str(calendar["X-WR-TIMEZONE"]) == "America/New_York"  # the firm's, for display
    found = spans(calendar)
    assert found[0][1:] == (local("2026-11-30 11:00"), local("2026-12-07 11:00"))  # 08:00 PST
    assert all(
        start.astimezone(PACIFIC).strftime("%a %H:%M") == "Mon 08:00" for _, start, _ in found
    )
    assert found[-1][1] == local("2027-02-22 11:00")


def test_an_unknown_token_is_404(client, team) -> None:
    assert client.get("/oncall/not-a-token.ics").status_code == 404
    assert client.get(f"/oncall/{team['dana'].calendar_token}").status_code == 404


def test_an_inactive_technicians_feed_is_404(client, team, session) -> None:
    token = team["dana"].calendar_token
    team["dana"].active = False
    session.commit()
    assert client.get(f"/oncall/{token}.ics").status_code == 404
