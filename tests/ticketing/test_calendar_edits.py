"""Staff edits of the business calendar, stored in the database, and the calendar they make."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from intake.config import Settings
from tests.support.moments import local
from ticketing.calendar.days import add_closure, business_calendar, mark_open, remove_edit
from ticketing.calendar.models import CalendarDay
from ticketing.errors import DomainError, NotFound

CHRISTMAS_EVE = date(2026, 12, 24)
WEDNESDAY = date(2026, 12, 2)


def verdict(session: Session, settings: Settings, moment: str) -> str:
    """How the calendar in force classifies a New York moment."""
    result = business_calendar(session, settings).classify(local(moment))
    return f"{result.service_class} {result.reason}"


def stored(session: Session) -> list[tuple[date, str, str]]:
    """Every edit in the database, as (day, kind, name)."""
    rows = session.scalars(select(CalendarDay).order_by(CalendarDay.day))
    return [(row.day, row.kind, row.name) for row in rows]


def count(session: Session) -> int:
    """How many edits the database holds."""
    return session.scalar(select(func.count()).select_from(CalendarDay))


def test_without_edits_the_calendar_is_the_configured_one(
    session: Session, settings: Settings
) -> None:
    assert stored(session) == []
    assert verdict(session, settings, "2026-12-02 10:00") == "help_desk business hours"
    assert verdict(session, settings, "2026-12-24 10:00") == "emergency holiday: Christmas Eve"


def test_the_calendar_follows_the_settings(session: Session, settings: Settings) -> None:
    us = settings.with_overrides(holiday_calendar="US")
    assert verdict(session, us, "2026-12-24 10:00") == "help_desk business hours"
    la = settings.with_overrides(business_timezone="America/Los_Angeles")
    assert business_calendar(session, la).timezone.key == "America/Los_Angeles"
    saturdays = settings.with_overrides(business_hours="Mon-Fri 08:00-17:00; Sat 09:00-12:00")
    assert verdict(session, saturdays, "2026-12-05 10:00") == "help_desk business hours"


def test_add_closure(session: Session, settings: Settings) -> None:
    row = add_closure(session, WEDNESDAY, "  Office move ")
    assert row.id is not None
    assert (row.day, row.kind, row.name) == (WEDNESDAY, "closure", "Office move")
    session.commit()
    assert stored(session) == [(WEDNESDAY, "closure", "Office move")]
    assert verdict(session, settings, "2026-12-02 10:00") == "emergency closure: Office move"
    assert verdict(session, settings, "2026-12-03 10:00") == "help_desk business hours"
    closed = business_calendar(session, settings).closed_days(2026)
    assert [(d.day, d.kind, d.name) for d in closed if d.kind == "closure"] == [
        (WEDNESDAY, "closure", "Office move")
    ]


def test_a_closure_on_a_holiday_names_the_closure(session: Session, settings: Settings) -> None:
    add_closure(session, CHRISTMAS_EVE, "Winter break")
    assert verdict(session, settings, "2026-12-24 10:00") == "emergency closure: Winter break"


def test_mark_open_works_a_holiday_as_a_normal_day(session: Session, settings: Settings) -> None:
    row = mark_open(session, CHRISTMAS_EVE, settings)
    assert (row.day, row.kind, row.name) == (CHRISTMAS_EVE, "open", "Christmas Eve")
    session.commit()
    assert stored(session) == [(CHRISTMAS_EVE, "open", "Christmas Eve")]
    assert verdict(session, settings, "2026-12-24 10:00") == "help_desk business hours"
    assert verdict(session, settings, "2026-12-24 21:30") == "emergency evening"
    assert verdict(session, settings, "2026-12-25 10:00") == "emergency holiday: Christmas Day"
    eve = [d for d in business_calendar(session, settings).closed_days(2026) if d.day.month == 12]
    assert [(d.day, d.worked) for d in eve if d.day == CHRISTMAS_EVE] == [(CHRISTMAS_EVE, True)]


def test_mark_open_on_an_observed_holiday(session: Session, settings: Settings) -> None:
    row = mark_open(session, date(2026, 7, 3), settings)
    assert row.name == "Independence Day (observed)"
    assert verdict(session, settings, "2026-07-03 10:00") == "help_desk business hours"


def test_remove_edit_undoes_a_closure(session: Session, settings: Settings) -> None:
    add_closure(session, WEDNESDAY, "Office move")
    session.commit()
    removed = remove_edit(session, WEDNESDAY)
    assert (removed.kind, removed.name) == ("closure", "Office move")
    session.commit()
    assert stored(session) == []
    assert verdict(session, settings, "2026-12-02 10:00") == "help_desk business hours"


def test_remove_edit_undoes_an_open_day(session: Session, settings: Settings) -> None:
    mark_open(session, CHRISTMAS_EVE, settings)
    session.commit()
    removed = remove_edit(session, CHRISTMAS_EVE)
    assert removed.kind == "open"
    assert stored(session) == []
    assert verdict(session, settings, "2026-12-24 10:00") == "emergency holiday: Christmas Eve"


def test_a_closure_replaces_an_open_day(session: Session, settings: Settings) -> None:
    mark_open(session, CHRISTMAS_EVE, settings)
    add_closure(session, CHRISTMAS_EVE, "Burst pipe")
    assert stored(session) == [(CHRISTMAS_EVE, "closure", "Burst pipe")]
    assert verdict(session, settings, "2026-12-24 10:00") == "emergency closure: Burst pipe"


def test_several_edits_together(session: Session, settings: Settings) -> None:
    add_closure(session, WEDNESDAY, "Office move")
    mark_open(session, CHRISTMAS_EVE, settings)
    add_closure(session, date(2027, 1, 4), "Inventory")
    session.commit()
    assert count(session) == 3
    calendar = business_calendar(session, settings)
    assert set(calendar.overrides) == {WEDNESDAY, CHRISTMAS_EVE, date(2027, 1, 4)}
    assert verdict(session, settings, "2027-01-04 09:00") == "emergency closure: Inventory"


# --- refusals: a clear DomainError and nothing saved ---------------------------------


@pytest.mark.parametrize("name", ["", "   ", "\t\n"])
def test_a_closure_needs_a_name(session: Session, name: str) -> None:
    with pytest.raises(DomainError, match="needs a name"):
        add_closure(session, WEDNESDAY, name)
    assert count(session) == 0


def test_a_closure_name_has_a_length_limit(session: Session) -> None:
    with pytest.raises(DomainError, match="at most 120"):
        add_closure(session, WEDNESDAY, "x" * 121)
    assert count(session) == 0
    assert add_closure(session, WEDNESDAY, "x" * 120).name == "x" * 120


def test_a_duplicate_closure_is_refused(session: Session) -> None:
    add_closure(session, WEDNESDAY, "Office move")
    session.commit()
    with pytest.raises(DomainError, match="already a closure") as refused:
        add_closure(session, WEDNESDAY, "Another reason")
    assert "Office move" in str(refused.value)
    session.rollback()
    assert stored(session) == [(WEDNESDAY, "closure", "Office move")]


@pytest.mark.parametrize(
    "day",
    [
        WEDNESDAY,  # an ordinary business day
        date(2026, 12, 5),  # a Saturday
        date(2026, 12, 23),  # the day before Christmas Eve
        date(2026, 10, 12),  # Columbus Day: a federal holiday, not an NC one
    ],
)
def test_opening_a_day_that_is_not_a_holiday_is_refused(
    session: Session, settings: Settings, day: date
) -> None:
    with pytest.raises(DomainError, match="is not a holiday"):
        mark_open(session, day, settings)
    assert count(session) == 0


def test_opening_depends_on_the_configured_holiday_calendar(
    session: Session, settings: Settings
) -> None:
    with pytest.raises(DomainError, match="is not a holiday"):
        mark_open(session, CHRISTMAS_EVE, settings.with_overrides(holiday_calendar="US"))
    with pytest.raises(DomainError, match="is not a holiday"):
        mark_open(session, date(2026, 12, 25), settings.with_overrides(holiday_calendar="none"))
    assert count(session) == 0
    us = settings.with_overrides(holiday_calendar="US")
    assert mark_open(session, date(2026, 10, 12), us).name == "Columbus Day"


def test_opening_a_day_twice_is_refused(session: Session, settings: Settings) -> None:
    mark_open(session, CHRISTMAS_EVE, settings)
    session.commit()
    with pytest.raises(DomainError, match="already has an edit"):
        mark_open(session, CHRISTMAS_EVE, settings)
    assert stored(session) == [(CHRISTMAS_EVE, "open", "Christmas Eve")]


def test_opening_a_closed_holiday_is_refused(session: Session, settings: Settings) -> None:
    add_closure(session, CHRISTMAS_EVE, "Winter break")
    session.commit()
    with pytest.raises(DomainError, match="already has an edit"):
        mark_open(session, CHRISTMAS_EVE, settings)
    assert stored(session) == [(CHRISTMAS_EVE, "closure", "Winter break")]


def test_removing_a_day_without_an_edit_is_not_found(session: Session) -> None:
    add_closure(session, WEDNESDAY, "Office move")
    session.commit()
    with pytest.raises(NotFound, match="no closure or open-day edit"):
        remove_edit(session, date(2026, 12, 3))
    with pytest.raises(DomainError):  # NotFound is a DomainError: the CLI explains both
        remove_edit(session, CHRISTMAS_EVE)
    assert stored(session) == [(WEDNESDAY, "closure", "Office move")]


def test_removing_twice_is_not_found(session: Session) -> None:
    add_closure(session, WEDNESDAY, "Office move")
    remove_edit(session, WEDNESDAY)
    with pytest.raises(NotFound):
        remove_edit(session, WEDNESDAY)
    assert count(session) == 0
