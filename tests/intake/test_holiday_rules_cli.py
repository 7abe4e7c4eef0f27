"""`intake holidays observe|work|add-recurring|remove-rule|rules` and the listing of
`intake hours holidays YEAR` by the rule behind each day, on a temporary SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cli import Intake, failed
from ticketing.audit.models import AuditEntry
from ticketing.calendar.models import HolidayRule


@pytest.fixture
def intake(tmp_path: Path) -> Iterator[Intake]:
    """`intake(...)` on a fresh, migrated SQLite file (a refused command may never open it)."""
    runner = Intake(tmp_path, migrate=True)
    yield runner
    runner.close()


def check(intake: Intake, moment: str) -> str:
    """`intake hours check MOMENT` without the trailing newline."""
    return intake.ok("hours", "check", moment).rstrip("\n")


def test_the_policy_changes_the_classification(intake: Intake) -> None:
    assert check(intake, "2026-11-11 10:00") == "emergency holiday: Veterans Day"
    assert intake.ok("holidays", "work", "Veterans", "Day") == (
        "Veterans Day is worked every year as a normal day\n"
    )
    assert check(intake, "2026-11-11 10:00") == "help_desk business hours"
    assert intake.ok("holidays", "add-recurring", "Office", "party", "--on", "Dec 23") == (
        "added recurring: Office party (every Dec 23)\n"
    )
    assert check(intake, "2026-12-23 10:00") == "emergency holiday: Office party"
    intake.ok("holidays", "observe", "veterans day")
    assert check(intake, "2026-11-11 10:00") == "emergency holiday: Veterans Day"
    assert intake.ok("holidays", "remove-rule", "Office", "party") == (
        "removed recurring: Office party (every Dec 23)\n"
    )
    assert check(intake, "2026-12-23 10:00") == "help_desk business hours"


def test_the_listing_names_the_rule_behind_each_day(intake: Intake) -> None:
    intake.ok("holidays", "work", "Veterans Day")
    intake.ok("holidays", "work", "Juneteenth")
    intake.ok("holidays", "add-recurring", "Leadership retreat", "--after", "Labor Day")
    intake.ok("holidays", "add-recurring", "Office party", "--on", "December 23")
    intake.ok("holidays", "add", "2026-12-02", "Office move")
    lines = intake.ok("hours", "holidays", "2026", HOLIDAY_CALENDAR="US").splitlines()
    assert "2026-09-07 Mon  holiday  Labor Day" in lines
    assert (
        "2026-09-08 Tue  firm     Leadership retreat  (every year, 1 day after Labor Day)" in lines
    )
    assert "2026-12-23 Wed  firm     Office party  (every Dec 23)" in lines
    assert "2026-12-02 Wed  closure  Office move" in lines
    assert "2026-11-11 Wed  worked   Veterans Day  (worked: the firm works it every year)" in lines
    assert any(line.startswith("2026-06-19 Fri  worked   Juneteenth") for line in lines)
    assert intake.ok("holidays", "rules").splitlines() == [
        "work: Juneteenth National Independence Day",
        "recurring: Leadership retreat (every year, 1 day after Labor Day)",
        "recurring: Office party (every Dec 23)",
        "work: Veterans Day",
    ]


def test_a_firm_day_worked_once_says_so(intake: Intake) -> None:
    intake.ok("holidays", "add-recurring", "Office party", "--on", "Dec 23")
    intake.ok("holidays", "open", "2026-12-23")
    lines = intake.ok("hours", "holidays", "2026").splitlines()
    assert (
        "2026-12-23 Wed  firm     Office party  (every Dec 23)  (open: worked as a normal day)"
        in lines
    )


def test_without_rules_the_listing_is_unchanged(intake: Intake) -> None:
    assert intake.ok("holidays", "rules") == "no holiday rules: every library holiday is observed\n"
    lines = intake.ok("hours", "holidays", "2026").splitlines()
    assert "2026-11-11 Wed  holiday  Veterans Day" in lines


@pytest.mark.parametrize(
    ("on", "message"),
    [
        ("Dec 32", "Dec has no day 32"),
        ("2026-12-24", "use a month and day, e.g. 'Dec 24'"),
        ("Smarch 3", "use a month and day"),
    ],
)
def test_add_recurring_with_a_bad_date(intake: Intake, on: str, message: str) -> None:
    failed(intake("holidays", "add-recurring", "Office party", "--on", on), "--on", message)
    assert intake.count(HolidayRule) == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("work", "Boxing", "Day"), "'Boxing Day' is not a holiday of the US-NC calendar"),
        (("observe", "Christmas"), "'Christmas' is not a holiday of the US-NC calendar"),
        (("add-recurring", "Retreat", "--after", "Arbor Day"), "'Arbor Day' is not a holiday"),
        (("add-recurring", "Retreat"), "either a date"),
        (("add-recurring", "Retreat", "--after", "Labor Day", "--days", "45"), "--days"),
        (("remove-rule", "Office", "party"), "no holiday rule named 'Office party'"),
    ],
)
def test_refusals_are_explained(intake: Intake, args: tuple[str, ...], message: str) -> None:
    failed(intake("holidays", *args), message)
    assert intake.count(HolidayRule) == 0


def test_the_same_rule_twice_is_refused(intake: Intake) -> None:
    intake.ok("holidays", "work", "Veterans Day")
    failed(intake("holidays", "work", "Veterans Day"), "Veterans Day is already worked")
    assert intake.count(HolidayRule) == 1


def test_rule_changes_are_in_the_audit_trail(intake: Intake) -> None:
    intake.ok("holidays", "work", "Veterans Day")
    intake.ok("holidays", "observe", "Veterans Day")
    intake.ok("holidays", "remove-rule", "Veterans Day")
    entries = [
        (e.source, e.action, e.subject_type, e.subject_label) for e in intake.rows(AuditEntry)
    ]
    assert entries[0] == ("cli", "created", "holiday rule", "work: Veterans Day")
    assert entries[-1][1:3] == ("deleted", "holiday rule")
    assert len(entries) == 3
