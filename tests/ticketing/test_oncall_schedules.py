"""Who is on call at moment T: rotations on their own wall clock (New York unless set
otherwise) across DST, overrides on top (the newest wins), primary and secondary apart,
and the merged list of shifts."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tests.support.moments import NY, local, utc
from tests.support.oncall import add_rotation, who
from ticketing.errors import DomainError
from ticketing.models import OutboxMessage, Ticket
from ticketing.oncall.roster import add_override, remove_override, set_on_call
from ticketing.oncall.shifts import shifts
from ticketing.paging.escalation import start_escalation
from ticketing.wallclock import local_instant, local_label

NOW = local("2026-12-01 09:00")
HOUR = timedelta(hours=1)


def moment(text: str) -> datetime:
    """ "L 2026-03-09 07:59" is New York wall-clock time, "U 2026-03-09 11:59" is UTC."""
    kind, rest = text.split(" ", 1)
    return local(rest) if kind == "L" else utc(rest)


@pytest.mark.parametrize(
    ("naive", "expected_utc"),
    [
        ("2026-03-08 02:30", "2026-03-08 07:00"),  # never happens: the moment clocks jump
        ("2026-03-08 02:00", "2026-03-08 07:00"),
        ("2026-03-08 01:59", "2026-03-08 06:59"),
        ("2026-03-08 03:00", "2026-03-08 07:00"),
        ("2026-11-01 01:30", "2026-11-01 05:30"),  # happens twice: the first time (EDT)
        ("2026-11-01 02:30", "2026-11-01 07:30"),
        ("2026-12-07 08:00", "2026-12-07 13:00"),
    ],
)
def test_local_instant(naive: str, expected_utc: str) -> None:
    assert local_instant(datetime.strptime(naive, "%Y-%m-%d %H:%M"), NY) == utc(expected_utc)


SPRING_WEEKLY = [
    ("U 2026-03-02 12:59", None),  # before the first hand-off
    ("U 2026-03-02 13:01", "Dana"),  # Mon 08:01 EST
    ("L 2026-03-09 07:59", "Dana"),
    ("L 2026-03-09 08:01", "Luis"),
    ("U 2026-03-09 11:59", "Dana"),  # 07:59 EDT
    ("U 2026-03-09 12:01", "Luis"),  # 168 h after the first hand-off would still be Dana
]
FALL_WEEKLY = [
    ("L 2026-11-02 07:59", "Dana"),
    ("L 2026-11-02 08:01", "Luis"),
    ("U 2026-11-02 12:01", "Dana"),  # 168 h after Oct 26 08:00 EDT, but only 07:01 EST
    ("U 2026-11-02 12:59", "Dana"),
    ("U 2026-11-02 13:01", "Luis"),
]


@pytest.mark.parametrize(("at", "expected"), SPRING_WEEKLY)
def test_weekly_monday_handoff_across_spring_forward(session, team, at, expected) -> None:
    add_rotation(session, "Weekly", "Dana Whitfield,Luis Romero", starts="2026-03-02")
    assert who(session, moment(at)) == expected


@pytest.mark.parametrize(("at", "expected"), FALL_WEEKLY)
def test_weekly_monday_handoff_across_fall_back(session, team, at, expected) -> None:
    add_rotation(session, "Weekly", "Dana Whitfield,Luis Romero", starts="2026-10-26")
    assert who(session, moment(at)) == expected


def test_weekly_shifts_across_dst_last_167_and_169_hours(session, team) -> None:
    add_rotation(session, "Spring", "Dana Whitfield,Luis Romero", starts="2026-03-02")
    [first] = shifts(session, utc("2026-03-03 00:00"), utc("2026-03-03 00:01"))
    assert (first.start, first.end) == (utc("2026-03-02 13:00"), utc("2026-03-09 12:00"))
    assert first.end - first.start == 167 * HOUR
    [plain] = shifts(session, local("2026-12-08 00:00"), local("2026-12-08 00:01"))
    assert plain.end - plain.start == 7 * 24 * HOUR  # no DST change that week
    add_rotation(session, "Spring", "Dana Whitfield,Luis Romero", starts="2026-10-26")
    [fall] = shifts(session, local("2026-10-27 00:00"), local("2026-10-27 00:01"))
    assert fall.end - fall.start == 169 * HOUR
    assert fall.end.astimezone(NY).strftime("%a %H:%M %Z") == "Mon 08:00 EST"


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        ("U 2026-03-07 07:29", "Dana"),  # Sat 02:29 EST
        ("U 2026-03-07 07:31", "Luis"),
        ("L 2026-03-08 01:59", "Luis"),  # Sunday: 02:30 never happens this night
        ("U 2026-03-08 06:59", "Luis"),
        ("U 2026-03-08 07:00", "Priya"),  # 03:00 EDT, the first valid instant after 02:30
        ("U 2026-03-08 07:01", "Priya"),
        ("L 2026-03-08 03:01", "Priya"),
        ("L 2026-03-09 02:29", "Priya"),
        ("L 2026-03-09 02:31", "Dana"),  # wrap-around to the first member
        ("U 2026-03-09 06:29", "Priya"),
        ("U 2026-03-09 06:31", "Dana"),
    ],
)
def test_daily_0230_handoff_across_spring_forward(session, team, at, expected) -> None:
    add_rotation(
        session, "Nightly", "Dana Whitfield,Luis Romero,Priya Nair",
        handoff="02:30", starts="2026-03-06", days=1,
    )  # fmt: skip
    assert who(session, moment(at)) == expected


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        ("U 2026-10-31 06:29", "Dana"),  # Sat 02:29 EDT
        ("U 2026-10-31 06:31", "Luis"),
        ("U 2026-11-01 05:30", "Luis"),  # 01:30 EDT, the first of the two
        ("U 2026-11-01 06:30", "Luis"),  # 01:30 EST, the second
        ("L 2026-11-01 02:29", "Luis"),
        ("L 2026-11-01 02:31", "Priya"),
        ("U 2026-11-01 07:29", "Luis"),  # 24 h after Saturday's hand-off is not yet 02:30
        ("U 2026-11-01 07:31", "Priya"),
    ],
)
def test_daily_0230_handoff_across_fall_back(session, team, at, expected) -> None:
    add_rotation(
        session, "Nightly", "Dana Whitfield,Luis Romero,Priya Nair",
        handoff="02:30", starts="2026-10-30", days=1,
    )  # fmt: skip
    assert who(session, moment(at)) == expected


def test_an_ambiguous_handoff_happens_at_the_first_occurrence(session, team) -> None:
    add_rotation(
        session, "Late", "Dana Whitfield,Luis Romero", handoff="01:30", starts="2026-10-31", days=1
    )
    assert who(session, utc("2026-11-01 05:29")) == "Dana"
    assert who(session, utc("2026-11-01 05:31")) == "Luis"  # 01:31 EDT
    assert who(session, utc("2026-11-01 06:31")) == "Luis"  # 01:31 EST: no second hand-off
    [shift] = shifts(session, utc("2026-11-01 06:00"), utc("2026-11-01 06:01"))
    assert shift.end - shift.start == 25 * HOUR


def test_members_take_turns_in_order_and_wrap_around(session, team) -> None:
    add_rotation(session, "Weekly", "Priya Nair,Dana Whitfield,Luis Romero")
    found = shifts(session, local("2026-12-07 08:00"), local("2027-01-11 08:00"))
    assert [s.technician.name.split()[0] for s in found] == [
        "Priya",
        "Dana",
        "Luis",
        "Priya",
        "Dana",
    ]
    assert [s.start.astimezone(NY).strftime("%m-%d %H:%M") for s in found] == [
        "12-07 08:00", "12-14 08:00", "12-21 08:00", "12-28 08:00", "01-04 08:00",
    ]  # fmt: skip
    assert all(s.source == "Weekly" and s.label == 'rotation "Weekly"' for s in found)


def test_nobody_before_the_first_handoff_unless_an_override(session, team) -> None:
    add_rotation(session, "Weekly", "Dana Whitfield,Luis Romero", starts="2026-12-07")
    assert who(session, local("2026-12-07 07:59")) is None
    assert who(session, local("2026-12-07 08:00")) == "Dana"
    start, end = local("2026-12-07 06:00"), local("2026-12-07 09:00")
    add_override(session, "Luis Romero", start=start, end=end, role="primary", now=NOW)
    assert who(session, local("2026-12-07 05:59")) is None
    assert who(session, local("2026-12-07 07:59")) == "Luis"
    assert who(session, local("2026-12-07 08:30")) == "Luis"
    assert who(session, local("2026-12-07 09:00")) == "Dana"


def _holiday(session, name: str = "Priya Nair", role: str = "primary"):
    start, end = local("2026-12-24 17:00"), local("2026-12-26 08:00")
    return add_override(session, name, start=start, end=end, role=role, now=NOW)


def test_a_holiday_override_beats_the_rotation_and_ends_exactly(session, team) -> None:
    add_rotation(session, "Weekly", "Dana Whitfield,Luis Romero")
    _holiday(session)
    assert who(session, local("2026-12-24 16:59")) == "Dana"
    assert who(session, local("2026-12-24 17:00")) == "Priya"
    assert who(session, local("2026-12-26 07:59")) == "Priya"
    assert who(session, local("2026-12-26 08:00")) == "Dana"
    assert who(session, local("2026-12-28 08:00")) == "Luis"  # the rotation goes on as planned


def test_shifts_cut_rotation_shifts_around_an_override(session, team) -> None:
    add_rotation(session, "Weekly", "Dana Whitfield,Luis Romero")
    holiday = _holiday(session)
    found = shifts(session, local("2026-12-22 00:00"), local("2026-12-25 00:00"))
    assert [(s.technician.name, s.source, s.key) for s in found] == [
        ("Dana Whitfield", "Weekly", f"rotation-{found[0].key.split('-')[1]}"),
        ("Priya Nair", "override", f"override-{holiday.id}"),
    ]
    # Shifts are not cut by the window: the first began before it, the second ends after it.
    assert (found[0].start, found[0].end) == (local("2026-12-21 08:00"), local("2026-12-24 17:00"))
    assert (found[1].start, found[1].end) == (local("2026-12-24 17:00"), local("2026-12-26 08:00"))
    assert found[1].label == f"override #{holiday.id}"
    after = shifts(session, local("2026-12-26 00:00"), local("2026-12-27 00:00"))
    assert [(s.technician.name, s.start) for s in after] == [
        ("Priya Nair", local("2026-12-24 17:00")),
        ("Dana Whitfield", local("2026-12-26 08:00")),
    ]
    assert after[1].end == local("2026-12-28 08:00")


def test_a_standing_override_from_set_holds_until_changed(session, team, clock) -> None:
    add_rotation(session, "Weekly", "Luis Romero,Priya Nair", starts="2026-11-30")
    set_on_call(session, "Dana Whitfield", now=clock())
    assert who(session, clock() - timedelta(minutes=1)) == "Luis"
    assert who(session, clock()) == "Dana"
    assert who(session, local("2027-06-01 12:00")) == "Dana"  # over every rotation shift
    [shift] = shifts(session, clock(), clock() + 2 * HOUR)
    assert shift.standing and (shift.start, shift.end) == (clock(), clock() + 2 * HOUR)
    set_on_call(session, "Priya Nair", now=clock() + HOUR)
    assert who(session, clock() + 30 * timedelta(minutes=1)) == "Dana"
    assert who(session, clock() + HOUR) == "Priya"


def test_the_newest_override_wins(session, team, clock) -> None:
    set_on_call(session, "Dana Whitfield", now=clock())
    holiday = _holiday(session, "Luis Romero")  # newer than the standing one: it wins
    assert who(session, local("2026-12-25 12:00")) == "Luis"
    assert who(session, local("2026-12-26 08:00")) == "Dana"
    longer = add_override(
        session, "Priya Nair", role="primary", now=NOW,
        start=local("2026-12-24 08:00"), end=local("2026-12-27 08:00"),
    )  # fmt: skip
    assert who(session, local("2026-12-25 12:00")) == "Priya"  # newest, though it starts earlier
    remove_override(session, longer.id)
    assert who(session, local("2026-12-25 12:00")) == "Luis"
    remove_override(session, holiday.id)
    assert who(session, local("2026-12-25 12:00")) == "Dana"


def test_primary_and_secondary_are_independent(session, team, clock) -> None:
    add_rotation(session, "Primary", "Dana Whitfield,Luis Romero")
    add_rotation(session, "Backup", "Luis Romero,Dana Whitfield", role="secondary")
    at = local("2026-12-08 12:00")
    assert (who(session, at), who(session, at, "secondary")) == ("Dana", "Luis")
    _holiday(session, role="secondary")
    christmas = local("2026-12-25 12:00")
    assert (who(session, christmas), who(session, christmas, "secondary")) == ("Dana", "Priya")
    set_on_call(session, "Priya Nair", now=clock(), role="secondary")
    assert (who(session, at), who(session, at, "secondary")) == ("Dana", "Priya")
    both = shifts(session, local("2026-12-08 00:00"), local("2026-12-08 00:01"))
    assert {s.role: s.technician.name for s in both} == {
        "primary": "Dana Whitfield",
        "secondary": "Priya Nair",
    }
    assert [s.role for s in both] == ["secondary", "primary"]  # by start: set on Dec 5


def test_a_later_rotation_takes_over_from_its_first_handoff(session, team) -> None:
    add_rotation(session, "Old", "Dana Whitfield")
    add_rotation(session, "New", "Luis Romero", handoff="08:00", starts="2026-12-14", days=1)
    assert who(session, local("2026-12-14 07:59")) == "Dana"
    assert who(session, local("2026-12-14 08:01")) == "Luis"
    assert who(session, local("2027-02-01 12:00")) == "Luis"


def test_an_inactive_member_leaves_a_gap_without_moving_the_others(session, team) -> None:
    add_rotation(session, "Weekly", "Dana Whitfield,Luis Romero,Priya Nair")
    team["luis"].active = False
    session.flush()
    assert who(session, local("2026-12-15 12:00")) is None
    assert who(session, local("2026-12-22 12:00")) == "Priya"


PACIFIC = ZoneInfo("America/Los_Angeles")


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        ("U 2026-12-08 15:59", "Dana"),  # 07:59 PST (10:59 in New York)
        ("U 2026-12-08 16:00", "Luis"),  # 08:00 PST
        ("L 2026-12-08 08:01", "Dana"),  # 05:01 PST: New York's 08:00 means nothing here
        ("U 2027-03-15 14:59", "Luis"),  # 07:59 PDT: after the clocks sprang forward
        ("U 2027-03-15 15:00", "Dana"),  # 08:00 PDT
    ],
)
def test_a_rotation_hands_off_on_its_own_zones_wall_clock(session, team, at, expected) -> None:
    add_rotation(
        session, "West", "Dana Whitfield,Luis Romero", handoff="08:00", starts="2026-12-01",
        days=1, timezone="America/Los_Angeles",
    )  # fmt: skip
    # Turn 7 (Luis) starts on Dec 8; turn 104 (Dana) on Mar 15 2027, the day after DST starts.
    assert who(session, moment(at)) == expected


def test_pacific_handoffs_are_at_0800_pacific_whatever_zone_shows_them(session, team) -> None:
    rotation = add_rotation(
        session, "West", "Dana Whitfield,Luis Romero", starts="2026-12-07",
        timezone="America/Los_Angeles",
    )  # fmt: skip
    assert rotation.timezone == "America/Los_Angeles"
    found = shifts(session, utc("2026-12-07 00:00"), utc("2027-01-04 00:00"))
    assert [s.start.astimezone(PACIFIC).strftime("%a %H:%M") for s in found] == ["Mon 08:00"] * 4
    # Shown on another wall clock, the same instants: 11:00 in New York, 01:00 next day in Tokyo.
    assert [local_label(s.start, NY) for s in found[:2]] == [
        "Mon 12/7 11:00 AM",
        "Mon 12/14 11:00 AM",
    ]
    assert local_label(found[0].start, ZoneInfo("Asia/Tokyo")) == "Tue 12/8 1:00 AM"


def test_an_unknown_zone_is_refused(session, team) -> None:
    with pytest.raises(DomainError, match="'Mars/Olympus' is not a time zone"):
        add_rotation(session, "Odd", "Dana Whitfield", timezone="Mars/Olympus")


def test_the_environment_changes_nobody_on_call(session, team, monkeypatch) -> None:
    add_rotation(session, "Daily", "Dana Whitfield,Luis Romero", handoff="08:00", days=1)
    at = [utc("2026-12-08 12:59"), utc("2026-12-08 13:01"), utc("2026-12-08 23:30")]
    before = [who(session, t) for t in at]
    assert before == ["Dana", "Luis", "Luis"]  # 08:00 New York, the rotation's zone
    monkeypatch.setenv("BUSINESS_TIMEZONE", "Asia/Tokyo")  # 08:00 Tokyo is 23:00 UTC
    assert [who(session, t) for t in at] == before
    [shift] = shifts(session, utc("2026-12-08 13:01"), utc("2026-12-08 13:02"))
    assert shift.start == utc("2026-12-08 13:00")


def test_an_emergency_pages_the_rotations_technician(session, team) -> None:
    add_rotation(session, "Weekly", "Dana Whitfield,Luis Romero")
    ticket = Ticket(service_class="emergency", description="server down")
    session.add(ticket)
    session.flush()
    start_escalation(session, ticket, now=local("2026-12-19 23:00"))
    pages = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "page")).all()
    assert {page.to_number for page in pages} == {team["luis"].phone}
