"""The firm's holiday policy alone (no database): library holidays worked every year,
recurring days of the firm's own, and how they change the classification and the listing."""

from __future__ import annotations

from datetime import date

import pytest

from ivr.calendar import BusinessCalendar, DayOverride
from ivr.holiday_policy import HolidayPolicy, RecurringDay, match_name, parse_month_day
from tests.support.moments import local

DEC_24 = RecurringDay("Christmas Eve break", month=12, day=24)
FRIDAY_AFTER = RecurringDay("Friday after Thanksgiving", after="Thanksgiving Day", days=1)
DEC_26 = RecurringDay("Boxing Day", month=12, day=26)


def calendar(
    policy: HolidayPolicy, holidays: str = "US", overrides: list[DayOverride] | None = None
) -> BusinessCalendar:
    """A New York calendar, Mon-Fri 08:00-17:00, with that policy."""
    edits = {o.day: o for o in overrides or []}
    return BusinessCalendar.from_settings(
        "America/New_York", "Mon-Fri 08:00-17:00", holidays, edits, policy
    )


def verdict(cal: BusinessCalendar, moment: str) -> str:
    """ "emergency holiday: Veterans Day", as `intake hours check` prints it."""
    result = cal.classify(local(moment))
    return f"{result.service_class} {result.reason}"


def test_without_rules_every_library_holiday_is_observed() -> None:
    cal = calendar(HolidayPolicy())
    assert verdict(cal, "2026-11-11 10:00") == "emergency holiday: Veterans Day"
    assert verdict(cal, "2026-11-27 10:00") == "help_desk business hours"


def test_a_worked_library_holiday_is_a_normal_day() -> None:
    cal = calendar(HolidayPolicy(worked=frozenset({"Veterans Day"})))
    assert verdict(cal, "2026-11-11 10:00") == "help_desk business hours"
    assert verdict(cal, "2026-11-11 18:00") == "emergency evening"
    assert verdict(cal, "2026-11-26 10:00") == "emergency holiday: Thanksgiving Day"


def test_working_a_holiday_works_its_observed_day_too() -> None:
    cal = calendar(HolidayPolicy(worked=frozenset({"Independence Day"})))
    assert verdict(cal, "2026-07-03 10:00") == "help_desk business hours"


def test_a_date_naming_two_holidays_stays_closed_for_the_one_observed() -> None:
    # 2027-12-24 is both Christmas Eve and Christmas Day (observed) in North Carolina.
    cal = calendar(HolidayPolicy(worked=frozenset({"Christmas Eve"})), holidays="US-NC")
    assert verdict(cal, "2027-12-24 10:00") == "emergency holiday: Christmas Day (observed)"
    both = calendar(
        HolidayPolicy(worked=frozenset({"Christmas Eve", "Christmas Day"})), holidays="US-NC"
    )
    assert verdict(both, "2027-12-24 10:00") == "help_desk business hours"


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ("2026-11-27 10:00", "emergency holiday: Friday after Thanksgiving"),
        ("2027-11-26 10:00", "emergency holiday: Friday after Thanksgiving"),
        ("2026-12-24 10:00", "emergency holiday: Christmas Eve break"),
        ("2026-12-23 10:00", "help_desk business hours"),
        ("2026-12-25 10:00", "emergency holiday: Christmas Day"),
    ],
)
def test_the_firms_recurring_days_are_closed(moment: str, expected: str) -> None:
    cal = calendar(HolidayPolicy(recurring=(DEC_24, FRIDAY_AFTER)))
    assert verdict(cal, moment) == expected


def test_a_firm_day_closes_a_worked_library_holiday_on_the_same_date() -> None:
    policy = HolidayPolicy(
        worked=frozenset({"Christmas Eve"}),
        recurring=(RecurringDay("Winter break", month=12, day=24),),
    )
    assert (
        verdict(calendar(policy, "US-NC"), "2026-12-24 10:00") == "emergency holiday: Winter break"
    )


def test_staff_edits_still_win_over_the_policy() -> None:
    policy = HolidayPolicy(worked=frozenset({"Veterans Day"}), recurring=(DEC_24,))
    edits = [
        DayOverride(date(2026, 11, 11), "closure", "Burst pipe"),
        DayOverride(date(2026, 12, 24), "open", "Christmas Eve break"),
    ]
    cal = calendar(policy, overrides=edits)
    assert verdict(cal, "2026-11-11 10:00") == "emergency closure: Burst pipe"
    assert verdict(cal, "2026-12-24 10:00") == "help_desk business hours"


def test_the_listing_names_the_rule_of_each_day() -> None:
    policy = HolidayPolicy(
        worked=frozenset({"Veterans Day", "Juneteenth National Independence Day"}),
        recurring=(FRIDAY_AFTER, DEC_24, DEC_26),
    )
    edits = [DayOverride(date(2026, 12, 2), "closure", "Office move")]
    listed = {
        d.day: (d.kind, d.name, d.rule) for d in calendar(policy, overrides=edits).closed_days(2026)
    }
    assert listed[date(2026, 11, 11)] == ("worked", "Veterans Day", "")
    assert listed[date(2026, 6, 19)][0] == "worked"
    assert listed[date(2026, 11, 26)] == ("holiday", "Thanksgiving Day", "")
    assert listed[date(2026, 11, 27)] == (
        "firm",
        "Friday after Thanksgiving",
        "every year, 1 day after Thanksgiving Day",
    )
    assert listed[date(2026, 12, 24)] == ("firm", "Christmas Eve break", "every Dec 24")
    assert listed[date(2026, 12, 26)][:2] == ("firm", "Boxing Day")
    assert listed[date(2026, 12, 2)] == ("closure", "Office move", "")
    assert list(listed) == sorted(listed)


def test_a_feb_29_day_exists_only_in_leap_years() -> None:
    cal = calendar(HolidayPolicy(recurring=(RecurringDay("Leap day", month=2, day=29),)))
    assert verdict(cal, "2028-02-29 10:00") == "emergency holiday: Leap day"
    assert all(d.name != "Leap day" for d in cal.closed_days(2027))


def test_a_day_after_a_holiday_the_calendar_lacks_never_happens() -> None:
    cal = calendar(HolidayPolicy(recurring=(FRIDAY_AFTER,)), holidays="none")
    assert verdict(cal, "2026-11-27 10:00") == "help_desk business hours"
    assert cal.closed_days(2026) == []


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("Dec 24", (12, 24)), ("december 26", (12, 26)), ("Sept 1", (9, 1)), (" feb 29 ", (2, 29))],
)
def test_parse_month_day(typed: str, expected: tuple[int, int]) -> None:
    assert parse_month_day(typed) == expected


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("Dec 32", "Dec has no day 32"),
        ("Feb 30", "Feb has no day 30"),
        ("Smarch 3", "use a month and day"),
        ("2026-12-24", "use a month and day"),
        ("", "use a month and day"),
        ("De 24", "use a month and day"),
    ],
)
def test_a_bad_month_day_is_explained(typed: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_month_day(typed)


def test_match_name_takes_an_exact_name_or_a_unique_beginning() -> None:
    names = ["Christmas Day", "Christmas Eve", "Juneteenth National Independence Day"]
    assert match_name("christmas eve", names) == "Christmas Eve"
    assert match_name("  Juneteenth ", names) == "Juneteenth National Independence Day"
    assert match_name("Christmas", names) is None  # two holidays begin so
    assert match_name("", names) is None
