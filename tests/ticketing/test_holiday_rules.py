"""The firm's holiday policy stored as rules, and the calendar in force that follows them."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from intake.config import Settings
from tests.support.moments import local
from ticketing.calendar.days import business_calendar, mark_open
from ticketing.calendar.models import HolidayRule
from ticketing.calendar.rules import (
    add_recurring,
    describe,
    list_rules,
    observe_holiday,
    remove_rule,
    work_holiday,
)
from ticketing.errors import DomainError, NotFound

NC = "US-NC"


def verdict(session: Session, settings: Settings, moment: str) -> str:
    """How the calendar in force classifies a New York moment."""
    result = business_calendar(session, settings).classify(local(moment))
    return f"{result.service_class} {result.reason}"


def count(session: Session) -> int:
    """How many rules the database holds."""
    return session.scalar(select(func.count()).select_from(HolidayRule)) or 0


def test_working_a_holiday_every_year(session: Session, settings: Settings) -> None:
    assert verdict(session, settings, "2026-11-11 10:00") == "emergency holiday: Veterans Day"
    row = work_holiday(session, "veterans day", NC)
    assert (row.name, row.kind) == ("Veterans Day", "work")
    session.commit()
    assert verdict(session, settings, "2026-11-11 10:00") == "help_desk business hours"
    assert verdict(session, settings, "2027-11-11 10:00") == "help_desk business hours"


def test_a_holiday_begun_is_enough_when_only_one_begins_so(
    session: Session, settings: Settings
) -> None:
    row = work_holiday(session, "Juneteenth", NC)
    assert row.name == "Juneteenth National Independence Day"
    # 2027's falls on a Saturday; the Friday it is observed on is worked too.
    assert verdict(session, settings, "2027-06-18 10:00") == "help_desk business hours"


def test_observing_again_undoes_working(session: Session, settings: Settings) -> None:
    work_holiday(session, "Veterans Day", NC)
    row = observe_holiday(session, "Veterans Day", NC)
    assert row.kind == "observe" and count(session) == 1
    assert verdict(session, settings, "2026-11-11 10:00") == "emergency holiday: Veterans Day"


def test_recurring_days_of_the_firm(session: Session, settings: Settings) -> None:
    us = settings.with_overrides(holiday_calendar="US")
    add_recurring(session, "Friday after Thanksgiving", after="Thanksgiving", holiday_calendar="US")
    add_recurring(session, " Christmas  Eve break ", on=(12, 24), holiday_calendar="US")
    add_recurring(session, "Boxing Day", on=(12, 26), holiday_calendar="US")
    session.commit()
    assert (
        verdict(session, us, "2026-11-27 10:00") == "emergency holiday: Friday after Thanksgiving"
    )
    assert (
        verdict(session, us, "2027-11-26 10:00") == "emergency holiday: Friday after Thanksgiving"
    )
    assert verdict(session, us, "2026-12-24 10:00") == "emergency holiday: Christmas Eve break"
    # A firm's date falling on a Sunday is not moved to the Monday.
    assert verdict(session, us, "2027-12-27 10:00") == "help_desk business hours"
    assert verdict(session, us, "2026-12-23 10:00") == "help_desk business hours"
    assert [describe(row) for row in list_rules(session)] == [
        "recurring: Boxing Day (every Dec 26)",
        "recurring: Christmas Eve break (every Dec 24)",
        "recurring: Friday after Thanksgiving (every year, 1 day after Thanksgiving Day)",
    ]


def test_a_firm_day_can_be_worked_once(session: Session, settings: Settings) -> None:
    add_recurring(session, "Office party", on=(12, 23), holiday_calendar=NC)
    row = mark_open(session, local("2026-12-23 00:00").date(), settings)
    assert row.name == "Office party"
    assert verdict(session, settings, "2026-12-23 10:00") == "help_desk business hours"
    assert verdict(session, settings, "2027-12-23 10:00").startswith("emergency holiday")


def test_a_holiday_worked_every_year_cannot_be_opened_once(
    session: Session, settings: Settings
) -> None:
    work_holiday(session, "Veterans Day", NC)
    with pytest.raises(DomainError, match="is not a holiday"):
        mark_open(session, local("2026-11-11 00:00").date(), settings)


def test_removing_rules(session: Session, settings: Settings) -> None:
    work_holiday(session, "Veterans Day", NC)
    add_recurring(session, "Office party", on=(12, 23), holiday_calendar=NC)
    assert remove_rule(session, "veterans day").kind == "work"
    assert remove_rule(session, "Office party").kind == "recurring"
    assert count(session) == 0
    assert verdict(session, settings, "2026-11-11 10:00") == "emergency holiday: Veterans Day"
    assert verdict(session, settings, "2026-12-23 10:00") == "help_desk business hours"
    with pytest.raises(NotFound, match="no holiday rule named 'Office party'"):
        remove_rule(session, "Office party")


# --- refusals: a clear DomainError and nothing saved ---------------------------------


@pytest.mark.parametrize("typed", ["Columbus Day", "Christmas", "Boxing Day", ""])
def test_only_a_holiday_of_the_calendar_can_be_worked(session: Session, typed: str) -> None:
    with pytest.raises(DomainError, match="is not a holiday of the US-NC calendar") as refused:
        work_holiday(session, typed, NC)
    assert "Veterans Day" in str(refused.value)  # the choices are listed
    assert count(session) == 0


def test_without_a_library_calendar_nothing_can_be_worked(session: Session) -> None:
    with pytest.raises(DomainError, match="no library holidays"):
        work_holiday(session, "Veterans Day", "none")


def test_the_same_rule_twice_is_refused(session: Session) -> None:
    work_holiday(session, "Veterans Day", NC)
    with pytest.raises(DomainError, match="already worked"):
        work_holiday(session, "Veterans Day", NC)
    add_recurring(session, "Office party", on=(12, 23), holiday_calendar=NC)
    with pytest.raises(DomainError, match="already a holiday rule named 'Office party'"):
        add_recurring(session, "Office party", on=(12, 22), holiday_calendar=NC)
    assert count(session) == 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "  "}, "needs a name"),
        ({"name": "x" * 121}, "at most 120"),
        ({"name": "Both", "after": "Thanksgiving"}, "either a date"),
        ({"name": "Neither", "on": None}, "either a date"),
        ({"name": "Never", "on": None, "after": "Arbor Day"}, "not a holiday of"),
        ({"name": "Zero", "on": None, "after": "Thanksgiving", "days": 0}, "1 to 30"),
        ({"name": "Far", "on": None, "after": "Thanksgiving", "days": 31}, "1 to 30"),
    ],
)
def test_a_bad_recurring_day_is_refused(session: Session, kwargs: dict, message: str) -> None:
    arguments = {"on": (12, 24), **kwargs}
    with pytest.raises(DomainError, match=message):
        add_recurring(session, holiday_calendar=NC, **arguments)
    assert count(session) == 0
