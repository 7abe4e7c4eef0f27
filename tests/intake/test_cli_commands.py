"""The `intake` command line, driven for real on a temporary SQLite file (these commands commit)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from intake.db import head_revision
from tests.support.cli import Intake, failed
from ticketing.calendar.models import CalendarDay
from ticketing.models import Client, Contact, Technician
from ticketing.oncall.models import OnCallOverride

BAD_MOMENT = 'use "YYYY-MM-DD HH:MM"'


def check(intake: Intake, moment: str, **env: str) -> str:
    """`intake hours check MOMENT` without the trailing newline."""
    return intake.ok("hours", "check", moment, **env).rstrip("\n")


@pytest.fixture
def intake(tmp_path: Path) -> Iterator[Intake]:
    """`intake(...)` on a fresh, not yet migrated, SQLite file."""
    runner = Intake(tmp_path)
    yield runner
    runner.close()


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Intake]:
    """One database for the read-only `hours` checks of this module."""
    runner = Intake(tmp_path_factory.mktemp("cli-shared"))
    yield runner
    runner.close()


# --- hours check --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ("2026-12-24 21:30", "emergency holiday: Christmas Eve"),
        ("2026-12-24 10:00", "emergency holiday: Christmas Eve"),
        ("2026-12-25 10:00", "emergency holiday: Christmas Day"),
        ("2026-07-03 10:00", "emergency holiday: Independence Day (observed)"),
        ("2026-12-28 09:00", "emergency holiday: Day After Christmas (observed)"),
        ("2026-12-05 23:10", "emergency weekend"),
        ("2026-12-06 12:00", "emergency weekend"),
        ("2026-12-02 21:30", "emergency evening"),
        ("2026-12-02 10:00", "help_desk business hours"),
        ("2026-12-02 08:00", "help_desk business hours"),
        ("2026-12-02 07:59", "emergency evening"),
        ("2026-12-02 16:59", "help_desk business hours"),
        ("2026-12-02 17:00", "emergency evening"),
        ("2026-12-04 17:00", "emergency evening"),  # Friday
        ("2026-03-09 08:00", "help_desk business hours"),  # the Monday after spring-forward
        ("2026-11-02 08:00", "help_desk business hours"),  # the Monday after fall-back
        ("2026-03-08 02:30", "emergency weekend"),  # a wall-clock time that never happens
        ("2026-11-01 01:30", "emergency weekend"),  # a wall-clock time that happens twice
        ("  2026-12-02 10:00  ", "help_desk business hours"),
    ],
)
def test_hours_check(shared: Intake, moment: str, expected: str) -> None:
    output = shared.ok("hours", "check", moment)
    assert output == expected + "\n"  # exactly one line
    assert output.split()[0] in ("emergency", "help_desk")


@pytest.mark.parametrize(
    "moment",
    ["2026-13-45 25:00", "tomorrow", "2026-12-24", "2026-12-24 21:30:00", "24/12/2026 21:30", ""],
)
def test_hours_check_with_a_bad_moment(intake: Intake, moment: str) -> None:
    result = intake("hours", "check", moment)
    failed(result, BAD_MOMENT, repr(moment))
    assert not (intake.directory / "cli.db").exists() or intake.count(CalendarDay) == 0


def test_hours_check_needs_a_moment(intake: Intake) -> None:
    failed(intake("hours", "check"), "MOMENT")


@pytest.mark.parametrize(
    ("env", "moment", "expected"),
    [
        ({"HOLIDAY_CALENDAR": "US"}, "2026-12-24 10:00", "help_desk business hours"),
        ({"HOLIDAY_CALENDAR": "US"}, "2026-10-12 10:00", "emergency holiday: Columbus Day"),
        ({"HOLIDAY_CALENDAR": "none"}, "2026-12-25 10:00", "help_desk business hours"),
        (
            {"BUSINESS_TIMEZONE": "America/Los_Angeles"},
            "2026-12-02 08:00",
            "help_desk business hours",
        ),
        (
            {"BUSINESS_HOURS": "Mon-Fri 09:00-18:00; Sat 09:00-12:00"},
            "2026-12-05 10:00",
            "help_desk business hours",
        ),
        ({"BUSINESS_HOURS": "Mon-Fri 09:00-18:00"}, "2026-12-02 08:30", "emergency evening"),
        ({"BUSINESS_HOURS": "Mon-Fri 09:00-18:00"}, "2026-12-02 17:30", "help_desk business hours"),
    ],
)
def test_hours_check_follows_the_configuration(
    shared: Intake, env: dict[str, str], moment: str, expected: str
) -> None:
    assert check(shared, moment, **env) == expected


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({"BUSINESS_HOURS": "9 to 5"}, "BUSINESS_HOURS segment '9 to 5'"),
        ({"BUSINESS_HOURS": "Mon-Fri 17:00-08:00"}, "closes before it opens"),
        ({"HOLIDAY_CALENDAR": "Narnia"}, "HOLIDAY_CALENDAR 'Narnia' is not a known calendar"),
        ({"BUSINESS_TIMEZONE": "Mars/Olympus_Mons"}, "BUSINESS_TIMEZONE 'Mars/Olympus_Mons'"),
    ],
)
def test_a_bad_calendar_configuration_is_explained(
    intake: Intake, env: dict[str, str], fragment: str
) -> None:
    for args in (("hours", "check", "2026-12-02 10:00"), ("holidays", "open", "2026-12-24")):
        result = intake(*args, **env)
        failed(result, "configuration:", fragment)
        assert result.exit_code == 1


# --- hours holidays -------------------------------------------------------------------


def test_hours_holidays_lists_the_closed_days(shared: Intake) -> None:
    lines = shared.ok("hours", "holidays", "2026").splitlines()
    assert "2026-12-24 Thu  holiday  Christmas Eve" in lines
    assert "2026-12-25 Fri  holiday  Christmas Day" in lines
    assert "2026-07-03 Fri  holiday  Independence Day (observed)" in lines
    assert "2026-07-04 Sat  holiday  Independence Day" in lines
    assert "2026-12-28 Mon  holiday  Day After Christmas (observed)" in lines
    assert "2026-11-27 Fri  holiday  Day After Thanksgiving" in lines
    assert not any("Columbus" in line for line in lines)
    assert len(lines) == 16
    days = [line.split()[0] for line in lines]
    assert days == sorted(days)
    assert all(day.startswith("2026-") for day in days)


def test_hours_holidays_of_2027_has_new_years_day_observed(shared: Intake) -> None:
    lines = shared.ok("hours", "holidays", "2027").splitlines()
    assert "2027-12-31 Fri  holiday  New Year's Day (observed)" in lines
    assert "2027-12-23 Thu  holiday  Christmas Eve (observed)" in lines


@pytest.mark.parametrize("year", ["abc", "1800", "20266", "-1"])
def test_hours_holidays_with_a_bad_year(intake: Intake, year: str) -> None:
    failed(intake("hours", "holidays", year), "YEAR")


# --- holidays add / open / remove -----------------------------------------------------


def test_a_closure_round_trip(intake: Intake) -> None:
    assert check(intake, "2026-12-02 10:00") == "help_desk business hours"

    output = intake.ok("holidays", "add", "2026-12-02", "Office", "move")
    assert output == "2026-12-02 is now a closure: Office move\n"
    assert [(r.day.isoformat(), r.kind, r.name) for r in intake.rows(CalendarDay)] == [
        ("2026-12-02", "closure", "Office move")
    ]
    assert check(intake, "2026-12-02 10:00") == "emergency closure: Office move"
    assert check(intake, "2026-12-02 21:00") == "emergency closure: Office move"
    assert check(intake, "2026-12-03 10:00") == "help_desk business hours"
    listing = intake.ok("hours", "holidays", "2026").splitlines()
    assert "2026-12-02 Wed  closure  Office move" in listing

    output = intake.ok("holidays", "remove", "2026-12-02")
    assert output == "removed closure on 2026-12-02 (Office move)\n"
    assert intake.count(CalendarDay) == 0
    assert check(intake, "2026-12-02 10:00") == "help_desk business hours"
    assert not any("Office move" in line for line in intake.ok("hours", "holidays", "2026"))


def test_an_open_holiday_round_trip(intake: Intake) -> None:
    assert check(intake, "2026-12-24 10:00") == "emergency holiday: Christmas Eve"

    output = intake.ok("holidays", "open", "2026-12-24")
    assert output == "2026-12-24 (Christmas Eve) is now a working day\n"
    assert check(intake, "2026-12-24 10:00") == "help_desk business hours"
    assert check(intake, "2026-12-24 21:30") == "emergency evening"
    assert check(intake, "2026-12-25 10:00") == "emergency holiday: Christmas Day"
    listing = intake.ok("hours", "holidays", "2026").splitlines()
    assert "2026-12-24 Thu  holiday  Christmas Eve  (open: worked as a normal day)" in listing

    assert intake.ok("holidays", "remove", "2026-12-24") == (
        "removed open on 2026-12-24 (Christmas Eve)\n"
    )
    assert check(intake, "2026-12-24 10:00") == "emergency holiday: Christmas Eve"


def test_a_closure_on_a_holiday(intake: Intake) -> None:
    intake.ok("holidays", "add", "2026-12-24", "Winter break")
    assert check(intake, "2026-12-24 10:00") == "emergency closure: Winter break"


@pytest.mark.parametrize("day", ["2026-02-30", "2026-13-01", "24/12/2026", "tomorrow", ""])
def test_holidays_add_with_a_bad_date(intake: Intake, day: str) -> None:
    failed(intake("holidays", "add", day, "Office move"), "use YYYY-MM-DD", repr(day))
    assert not (intake.directory / "cli.db").exists() or intake.count(CalendarDay) == 0


def test_holidays_add_needs_a_name(intake: Intake) -> None:
    failed(intake("holidays", "add", "2026-12-02"), "NAME")
    result = intake("holidays", "add", "2026-12-02", "  ")
    failed(result, "a closure needs a name")
    assert result.exit_code == 1
    assert intake.count(CalendarDay) == 0


def test_holidays_add_twice_is_refused(intake: Intake) -> None:
    intake.ok("holidays", "add", "2026-12-02", "Office move")
    result = intake("holidays", "add", "2026-12-02", "Other")
    failed(result, "2026-12-02 is already a closure (Office move)")
    assert [r.name for r in intake.rows(CalendarDay)] == ["Office move"]


@pytest.mark.parametrize("day", ["2026-12-23", "2026-12-05", "2026-10-12"])
def test_holidays_open_on_a_day_that_is_not_a_holiday(intake: Intake, day: str) -> None:
    result = intake("holidays", "open", day)
    failed(result, f"{day} is not a holiday; there is nothing to open")
    assert result.exit_code == 1
    assert intake.count(CalendarDay) == 0


def test_holidays_open_twice_is_refused(intake: Intake) -> None:
    intake.ok("holidays", "open", "2026-12-24")
    failed(intake("holidays", "open", "2026-12-24"), "already has an edit")
    assert intake.count(CalendarDay) == 1


@pytest.mark.parametrize("command", ["open", "remove"])
def test_holidays_open_and_remove_with_a_bad_date(intake: Intake, command: str) -> None:
    failed(intake("holidays", command, "2026-12-32"), "use YYYY-MM-DD")


def test_holidays_remove_without_an_edit(intake: Intake) -> None:
    result = intake("holidays", "remove", "2026-12-02")
    failed(result, "2026-12-02 has no closure or open-day edit to remove")
    assert result.exit_code == 1


# --- technicians and on-call ----------------------------------------------------------


def test_technicians_add(intake: Intake) -> None:
    output = intake.ok(
        "technicians", "add", "Dana Whitfield", "--phone", "(336) 555-0101", "--email", "d@x.com"
    )
    assert output == "added technician Dana Whitfield ((336) 555-0101)\n"
    [tech] = intake.rows(Technician)
    assert (tech.name, tech.phone, tech.email) == ("Dana Whitfield", "+13365550101", "d@x.com")
    listing = intake.ok("technicians", "list")
    assert "Dana Whitfield" in listing
    assert "(336) 555-0101" in listing


@pytest.mark.parametrize("phone", ["555-0101", "12", "not a phone", "anonymous", "+1 999 555 0101"])
def test_technicians_add_with_a_bad_phone(intake: Intake, phone: str) -> None:
    result = intake("technicians", "add", "Dana Whitfield", "--phone", phone)
    failed(result, "is not a valid phone number")
    assert result.exit_code == 1
    assert intake.count(Technician) == 0


def test_technicians_add_needs_a_phone(intake: Intake) -> None:
    failed(intake("technicians", "add", "Dana Whitfield"), "--phone")
    assert not (intake.directory / "cli.db").exists() or intake.count(Technician) == 0


def test_technicians_add_twice_is_refused(intake: Intake) -> None:
    intake.ok("technicians", "add", "Dana Whitfield", "--phone", "+13365550101")
    result = intake("technicians", "add", "dana whitfield", "--phone", "+13365550109")
    failed(result, "already exists")
    assert result.exit_code == 1
    assert [t.phone for t in intake.rows(Technician)] == ["+13365550101"]


def test_oncall_set_an_unknown_technician(intake: Intake) -> None:
    result = intake("oncall", "set", "Nobody")
    failed(result, "no technician named 'Nobody'")
    assert result.exit_code == 1
    assert intake.count(OnCallOverride) == 0
    assert intake.ok("oncall", "show") == "primary: nobody\nsecondary: nobody\n"


def test_oncall_set_and_show(intake: Intake) -> None:
    intake.ok("technicians", "add", "Dana Whitfield", "--phone", "+13365550101")
    intake.ok("technicians", "add", "Luis Romero", "--phone", "+13365550102")

    assert intake.ok("oncall", "set", "dana whitfield") == "Dana Whitfield is now primary on call\n"
    assert intake.ok("oncall", "show") == (
        "primary: Dana Whitfield ((336) 555-0101)\nsecondary: nobody\n"
    )
    listed = intake.ok("technicians", "list").splitlines()
    assert "Dana Whitfield" in next(line for line in listed if "<- primary on call" in line)

    intake.ok("oncall", "set", "Luis Romero", "--role", "secondary")
    assert intake.ok("oncall", "show") == (
        "primary: Dana Whitfield ((336) 555-0101)\nsecondary: Luis Romero ((336) 555-0102)\n"
    )

    intake.ok("oncall", "set", "Luis Romero")
    assert intake.ok("oncall", "show").splitlines()[0] == "primary: Luis Romero ((336) 555-0102)"
    assert intake.count(OnCallOverride) == 3


def test_oncall_set_with_a_bad_role(intake: Intake) -> None:
    intake.ok("technicians", "add", "Dana Whitfield", "--phone", "+13365550101")
    failed(intake("oncall", "set", "Dana Whitfield", "--role", "tertiary"), "--role")
    assert intake.count(OnCallOverride) == 0


# --- clients and contacts -------------------------------------------------------------


def test_clients_add(intake: Intake) -> None:
    output = intake.ok(
        "clients", "add", "Blue Ridge Bakery", "--account", "1001", "--msa", "--emergency-agreement"
    )
    assert output == "added client Blue Ridge Bakery (account 1001)\n"
    intake.ok("clients", "add", "Yadkin Valley Diner", "--account", "1003")
    bakery, diner = intake.rows(Client)
    assert (bakery.account_number, bakery.has_msa, bakery.has_emergency_agreement) == (
        "1001",
        True,
        True,
    )
    assert (diner.account_number, diner.has_msa, diner.has_emergency_agreement) == (
        "1003",
        False,
        False,
    )
    listing = intake.ok("clients", "list")
    assert "Blue Ridge Bakery" in listing
    assert "no MSA" in listing


def test_clients_add_a_duplicate_account(intake: Intake) -> None:
    intake.ok("clients", "add", "Blue Ridge Bakery", "--account", "1001")
    result = intake("clients", "add", "Another Bakery", "--account", "1001")
    failed(result, "account 1001 already exists")
    assert result.exit_code == 1
    assert [c.name for c in intake.rows(Client)] == ["Blue Ridge Bakery"]


@pytest.mark.parametrize("account", ["10a1", "12", "ABC", "1234567890123", "-100"])
def test_clients_add_a_bad_account_number(intake: Intake, account: str) -> None:
    result = intake("clients", "add", "Blue Ridge Bakery", "--account", account)
    failed(result, "3 to 12 digits")
    assert result.exit_code == 1
    assert intake.count(Client) == 0


def test_contacts_add(intake: Intake) -> None:
    intake.ok("clients", "add", "Blue Ridge Bakery", "--account", "1001", "--msa")
    output = intake.ok(
        "contacts",
        "add",
        "--account",
        "1001",
        "--name",
        "Jane Doe",
        "--phone",
        "336.555.0123",
        "--email",
        "jane@bakery.example",
        "--representative",
    )
    assert output == "added Jane Doe ((336) 555-0123) to account 1001\n"
    intake.ok("contacts", "add", "--account", "1001", "--name", "Sam", "--phone", "3365550124")
    jane, sam = intake.rows(Contact)
    [bakery] = intake.rows(Client)
    assert (jane.client_id, jane.phone, jane.email, jane.is_representative) == (
        bakery.id,
        "+13365550123",
        "jane@bakery.example",
        True,
    )
    assert (sam.phone, sam.email, sam.is_representative) == ("+13365550124", None, False)


def test_contacts_add_to_an_unknown_account(intake: Intake) -> None:
    intake.ok("clients", "add", "Blue Ridge Bakery", "--account", "1001")
    args = ("contacts", "add", "--account", "9999", "--name", "Jane", "--phone", "+13365550123")
    result = intake(*args)
    failed(result, "no client has account number 9999")
    assert result.exit_code == 1
    assert intake.count(Contact) == 0


@pytest.mark.parametrize("phone", ["555-0123", "anonymous", "+266696687", "call me"])
def test_contacts_add_with_a_bad_phone(intake: Intake, phone: str) -> None:
    intake.ok("clients", "add", "Blue Ridge Bakery", "--account", "1001")
    args = ("contacts", "add", "--account", "1001", "--name", "Jane Doe", "--phone", phone)
    result = intake(*args)
    failed(result, "is not a valid phone number")
    assert result.exit_code == 1
    assert intake.count(Contact) == 0


# --- db -------------------------------------------------------------------------------


def test_db_status_before_and_after_first_use(intake: Intake) -> None:
    head = head_revision()
    assert head
    before = intake("db", "status")
    failed(before, "database: empty", f"newest migration: {head}", "intake db upgrade")

    intake.ok("hours", "check", "2026-12-02 10:00")  # the first use migrates the file

    assert intake.ok("db", "status") == f"database: {head}; newest migration: {head}\n"


def test_db_upgrade(intake: Intake) -> None:
    head = head_revision()
    assert intake.ok("db", "upgrade") == f"database at revision {head}\n"
    assert intake.ok("db", "status") == f"database: {head}; newest migration: {head}\n"
    assert intake.count(Technician) == 0
