"""`intake oncall ...` driven for real on a temporary SQLite file (the commands commit; the
clock is the real one, so dates are far in the past or the future where it matters)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import selectinload

from tests.support.cli import Intake, failed
from tests.support.moments import NY
from ticketing.models import Technician
from ticketing.oncall.models import OnCallOverride, Rotation, RotationMember

PAIR = "Dana Whitfield,Luis Romero"


@pytest.fixture
def intake(tmp_path: Path) -> Iterator[Intake]:
    """`intake(...)` with Dana, Luis and Priya on a fresh database."""
    runner = Intake(
        tmp_path, PUBLIC_BASE_URL="https://intake.example.com", TWILIO_AUTH_TOKEN="test-auth-token"
    )
    for name, phone in [
        ("Dana Whitfield", "0101"),
        ("Luis Romero", "0102"),
        ("Priya Nair", "0103"),
    ]:
        runner.ok("technicians", "add", name, "--phone", f"+1336555{phone}")
    yield runner
    runner.close()


def rotation_rows(intake: Intake) -> list[Rotation]:
    """Rotations with their members' technicians loaded."""
    members = selectinload(Rotation.members).selectinload(RotationMember.technician)
    return intake.rows(Rotation, members)


def test_rotation_set_creates_then_replaces(intake: Intake) -> None:
    output = intake.ok(
        "oncall", "rotation", "set", "Weekly", "--members", PAIR,
        "--handoff", "Mon 08:00", "--starts", "2026-12-07",
    )  # fmt: skip
    assert output == (
        'rotation "Weekly" (primary): hand-off Mon 08:00 every 7 days from 2026-12-07; '
        "Dana Whitfield, Luis Romero\n"
    )
    [first] = rotation_rows(intake)
    assert (first.starts_on, first.handoff_time.hour, first.shift_days) == (date(2026, 12, 7), 8, 7)
    assert first.timezone == "America/New_York"  # BUSINESS_TIMEZONE's default
    intake.ok(
        "oncall", "rotation", "set", "weekly", "--members", "Priya Nair, Dana Whitfield",
        "--handoff", "02:30", "--starts", "2026-03-06", "--days", "1", "--role", "secondary",
    )  # fmt: skip
    [again] = rotation_rows(intake)
    assert '"weekly" (secondary): hand-off 02:30 every day from 2026-03-06' in intake.ok(
        "oncall", "rotation", "list"
    )
    assert again.id == first.id
    assert (again.name, again.role, again.shift_days) == ("weekly", "secondary", 1)
    assert [(m.position, m.technician.name) for m in again.members] == [
        (0, "Priya Nair"),
        (1, "Dana Whitfield"),
    ]


def test_rotation_set_derives_the_start_from_the_weekday(intake: Intake) -> None:
    intake.ok("oncall", "rotation", "set", "Weekly", "--members", PAIR, "--handoff", "thu 17:30")
    [rotation] = rotation_rows(intake)
    today = datetime.now(UTC).astimezone(NY).date()
    assert rotation.starts_on.weekday() == 3
    assert today <= rotation.starts_on < today + timedelta(days=7)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--members", "Dana Whitfield,Nobody", "--handoff", "Mon 08:00"), "no technician named"),
        (("--members", "", "--handoff", "Mon 08:00"), "list the members in order"),
        (
            ("--members", "Dana Whitfield,,Luis Romero", "--handoff", "Mon 08:00"),
            "list the members",
        ),
        (("--members", PAIR, "--handoff", "Mon 25:00"), "no valid time of day"),
        (("--members", PAIR, "--handoff", "Mon 8"), "is not a hand-off"),
        (("--members", PAIR, "--handoff", "Funday 08:00"), "is not a weekday"),
        (("--members", PAIR, "--handoff", "Tue 08:00", "--starts", "2026-12-07"), "is a Monday"),
        (("--members", PAIR, "--handoff", "Mon 08:00", "--days", "0"), "1 to 365 days"),
    ],
)
def test_rotation_set_refuses_bad_input_and_saves_nothing(intake: Intake, args, says) -> None:
    intake.ok("oncall", "rotation", "set", "Weekly", "--members", PAIR, "--handoff", "Mon 08:00")
    before = [(r.id, r.starts_on, len(r.members)) for r in rotation_rows(intake)]
    failed(intake("oncall", "rotation", "set", "Weekly", *args), says, code=1)
    failed(intake("oncall", "rotation", "set", "Other", *args), says, code=1)
    assert [(r.id, r.starts_on, len(r.members)) for r in rotation_rows(intake)] == before


def test_rotation_set_refuses_a_bad_date_or_role(intake: Intake) -> None:
    base = ("oncall", "rotation", "set", "Weekly", "--members", PAIR, "--handoff", "Mon 08:00")
    failed(intake(*base, "--starts", "12/07/2026"), "is not a date", code=2)
    failed(intake(*base, "--role", "tertiary"), "--role", code=2)
    assert intake.count(Rotation) == 0


def test_rotation_list_and_remove(intake: Intake) -> None:
    assert intake.ok("oncall", "rotation", "list") == (
        "no rotations (add one with `intake oncall rotation set`)\n"
    )
    args = ("--handoff", "Mon 08:00", "--starts", "2026-12-07")
    intake.ok("oncall", "rotation", "set", "Weekly", "--members", PAIR, *args)
    listing = intake.ok("oncall", "rotation", "list")
    assert listing.startswith('"Weekly" (primary): hand-off Mon 08:00 every 7 days from')
    assert intake.ok("oncall", "rotation", "remove", "WEEKLY") == 'removed rotation "Weekly"\n'
    assert intake.count(Rotation) == 0
    failed(intake("oncall", "rotation", "remove", "Weekly"), "no rotation named 'Weekly'", code=1)


def test_a_rotation_keeps_the_zone_it_was_set_in(intake: Intake) -> None:
    intake.env["BUSINESS_TIMEZONE"] = "America/Los_Angeles"
    args = ("--handoff", "Mon 08:00", "--starts", "2020-01-06")
    assert "hand-off Mon 08:00 every 7 days" in intake.ok(
        "oncall", "rotation", "set", "West", "--members", PAIR, *args
    )
    [row] = rotation_rows(intake)
    assert row.timezone == "America/Los_Angeles"
    # The firm's zone changes later: the rotation still hands off at 08:00 Pacific, which
    # `show` gives on the New York clock and `list` says outright.
    intake.env["BUSINESS_TIMEZONE"] = "America/New_York"
    assert intake.ok("oncall", "rotation", "list").startswith(
        '"West" (primary): hand-off Mon 08:00 America/Los_Angeles every 7 days from 2020-01-06'
    )
    lines = intake.ok("oncall", "show", "--role", "primary", "--weeks", "1").splitlines()
    shifts = [line for line in lines if 'rotation "West"' in line]
    assert shifts and all(
        re.match(r"\s*Mon \d+/\d+ 11:00 AM -> Mon \d+/\d+ 11:00 AM ", line) for line in shifts
    )


def test_override_add_list_remove(intake: Intake) -> None:
    output = intake.ok(
        "oncall", "override", "add", "Priya Nair",
        "--from", "2030-12-24 17:00", "--to", "2030-12-26 08:00",
    )  # fmt: skip
    assert output == (
        "override #1    primary   Priya Nair           Tue 12/24 5:00 PM -> Thu 12/26 8:00 AM\n"
    )
    [row] = intake.rows(OnCallOverride)
    assert (row.starts_at, row.ends_at) == (
        datetime(2030, 12, 24, 22, 0, tzinfo=UTC),
        datetime(2030, 12, 26, 13, 0, tzinfo=UTC),
    )
    assert "Priya Nair" in intake.ok("oncall", "override", "list")
    assert intake.ok("oncall", "override", "remove", "1") == (
        "removed override #1 (Priya Nair, primary)\n"
    )
    assert intake.ok("oncall", "override", "list") == "no overrides\n"
    failed(intake("oncall", "override", "remove", "1"), "no override #1", code=1)


def test_an_override_from_a_time_that_never_happens(intake: Intake) -> None:
    args = ("--from", "2030-03-10 02:30", "--to", "2030-03-10 09:00", "--role", "secondary")
    intake.ok("oncall", "override", "add", "Luis Romero", *args)
    [row] = intake.rows(OnCallOverride)
    assert row.starts_at == datetime(2030, 3, 10, 7, 0, tzinfo=UTC)  # 03:00 EDT, clocks jump
    assert row.role == "secondary"


@pytest.mark.parametrize(
    ("start", "end", "says", "code"),
    [
        ("2030-12-26 08:00", "2030-12-24 17:00", "must end after it starts", 1),
        ("2030-12-24 17:00", "2030-12-24 17:00", "must end after it starts", 1),
        ("2020-12-24 17:00", "2020-12-26 08:00", "entirely in the past", 1),
        ("2030-12-24", "2030-12-26 08:00", "is not a moment", 2),
    ],
)
def test_override_add_refuses_bad_times(intake: Intake, start, end, says, code) -> None:
    args = ("oncall", "override", "add", "Priya Nair", "--from", start, "--to", end)
    failed(intake(*args), says, code=code)
    assert intake.count(OnCallOverride) == 0


def test_override_add_refuses_an_unknown_technician(intake: Intake) -> None:
    args = ("--from", "2030-12-24 17:00", "--to", "2030-12-26 08:00")
    failed(intake("oncall", "override", "add", "Nobody", *args), "no technician named", code=1)
    assert intake.count(OnCallOverride) == 0


def test_show_lists_the_weeks_ahead_with_their_source(intake: Intake) -> None:
    args = ("--handoff", "Mon 08:00", "--starts", "2020-01-06")
    intake.ok("oncall", "rotation", "set", "Weekly", "--members", PAIR, *args)
    output = intake.ok("oncall", "show", "--weeks", "2")
    lines = output.splitlines()
    assert re.fullmatch(r"primary: (Dana Whitfield|Luis Romero) \(\(336\) 555-010[12]\)", lines[0])
    assert lines[1] == "secondary: nobody"
    assert lines[3].startswith("primary shifts until ") and "(America/New_York)" in lines[3]
    shifts = [line for line in lines[4:] if 'rotation "Weekly"' in line]
    assert len(shifts) == 3  # the current week and the next two
    assert all(line.strip().startswith("Mon ") and "8:00 AM -> Mon " in line for line in shifts)
    assert {"Dana Whitfield" in line for line in shifts} == {True, False}  # they alternate
    assert "secondary shifts until" in output and "nobody" in output.split("secondary shifts")[1]


def test_show_one_role_with_a_standing_override(intake: Intake) -> None:
    intake.ok("oncall", "set", "Luis Romero", "--role", "secondary")
    output = intake.ok("oncall", "show", "--role", "secondary", "--weeks", "1")
    assert output.splitlines()[0] == "secondary: Luis Romero ((336) 555-0102)"
    assert "primary" not in output
    [shift] = [line for line in output.splitlines() if "override #1" in line]
    assert "-> until changed" in shift and "Luis Romero" in shift


def test_set_still_makes_a_standing_override(intake: Intake) -> None:
    assert intake.ok("oncall", "set", "Dana Whitfield") == "Dana Whitfield is now primary on call\n"
    [row] = intake.rows(OnCallOverride)
    assert row.ends_at is None
    assert (
        intake.ok("oncall", "show")
        == "primary: Dana Whitfield ((336) 555-0101)\nsecondary: nobody\n"
    )


def test_feed_prints_the_calendar_url(intake: Intake) -> None:
    dana = next(t for t in intake.rows(Technician) if t.name == "Dana Whitfield")
    assert intake.ok("oncall", "feed", "dana whitfield") == (
        f"https://intake.example.com/oncall/{dana.calendar_token}.ics\n"
    )
    failed(intake("oncall", "feed", "Nobody"), "no technician named 'Nobody'", code=1)


def test_unset_hands_the_role_back_to_the_rotation(intake: Intake) -> None:
    intake.ok("oncall", "rotation", "set", "Daily", "--members", "Luis Romero", "--handoff",
              "08:00", "--starts", "2020-01-06", "--days", "1")  # fmt: skip
    intake.ok("oncall", "set", "Dana Whitfield")

    said = intake.ok("oncall", "unset")

    assert said == (
        'Dana Whitfield is no longer primary on call; rotation "Daily" has Luis Romero now\n'
    )
    assert intake.ok("oncall", "show").splitlines()[0] == "primary: Luis Romero ((336) 555-0102)"
    [row] = intake.rows(OnCallOverride)
    assert row.ends_at is not None  # ended, kept on record


def test_unset_one_role_leaves_the_other(intake: Intake) -> None:
    intake.ok("oncall", "set", "Dana Whitfield")
    intake.ok("oncall", "set", "Luis Romero", "--role", "secondary")

    said = intake.ok("oncall", "unset", "--role", "secondary")

    assert said == "Luis Romero is no longer secondary on call; nobody is secondary on call now\n"
    assert intake.ok("oncall", "show") == (
        "primary: Dana Whitfield ((336) 555-0101)\nsecondary: nobody\n"
    )


def test_unset_without_a_standing_override_says_so(intake: Intake) -> None:
    failed(intake("oncall", "unset"), "nobody was put on call as primary with `oncall set`")
