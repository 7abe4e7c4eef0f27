"""The business calendar alone (no database): hours, holidays, staff edits, time zones, DST."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from ivr.calendar import (
    EMERGENCY,
    HELP_DESK,
    BusinessCalendar,
    CalendarConfigError,
    ClosedDay,
    DayOverride,
    local_moment,
    parse_business_hours,
    parse_holiday_calendar,
)
from tests.support.moments import NY, local, utc


def calendar(
    timezone: str = "America/New_York",
    hours: str = "Mon-Fri 08:00-17:00",
    holidays: str = "US-NC",
    overrides: list[DayOverride] | None = None,
) -> BusinessCalendar:
    """A calendar built the way the service builds it from its settings."""
    edits = {o.day: o for o in overrides or []}
    return BusinessCalendar.from_settings(timezone, hours, holidays, edits)


def verdict(cal: BusinessCalendar, moment: datetime) -> str:
    """ "emergency weekend", as `intake hours check` prints it."""
    result = cal.classify(moment)
    return f"{result.service_class} {result.reason}"


DEFAULT = calendar()


# --- every reason -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ("2026-12-02 10:00", "help_desk business hours"),  # Wednesday
        ("2026-12-02 21:30", "emergency evening"),
        ("2026-12-02 06:00", "emergency evening"),  # before opening counts as evening
        ("2026-12-05 23:10", "emergency weekend"),  # Saturday
        ("2026-12-06 12:00", "emergency weekend"),  # Sunday, midday
        ("2026-12-24 21:30", "emergency holiday: Christmas Eve"),
        ("2026-12-24 10:00", "emergency holiday: Christmas Eve"),  # all day, even 10:00
        ("2026-12-25 10:00", "emergency holiday: Christmas Day"),
        ("2026-11-26 09:00", "emergency holiday: Thanksgiving Day"),
        ("2026-11-27 09:00", "emergency holiday: Day After Thanksgiving"),
        ("2026-04-03 11:00", "emergency holiday: Good Friday"),
    ],
)
def test_every_reason_with_the_default_settings(moment: str, expected: str) -> None:
    assert verdict(DEFAULT, local(moment)) == expected


def test_a_closure_reason_names_the_closure() -> None:
    cal = calendar(overrides=[DayOverride(date(2026, 12, 2), "closure", "Office move")])
    assert verdict(cal, local("2026-12-02 10:00")) == "emergency closure: Office move"


def test_classification_carries_the_local_moment_and_is_emergency() -> None:
    result = DEFAULT.classify(utc("2026-12-03 02:30"))
    assert result.local == datetime(2026, 12, 2, 21, 30, tzinfo=NY)
    assert result.local.tzinfo == NY
    assert result.is_emergency
    assert not DEFAULT.classify(local("2026-12-02 10:00")).is_emergency
    assert (EMERGENCY, HELP_DESK) == ("emergency", "help_desk")


# --- boundaries -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ("2026-12-02 00:00:00", "emergency evening"),
        ("2026-12-02 07:59:59", "emergency evening"),
        ("2026-12-02 08:00:00", "help_desk business hours"),
        ("2026-12-02 08:00:01", "help_desk business hours"),
        ("2026-12-02 16:59:59", "help_desk business hours"),
        ("2026-12-02 17:00:00", "emergency evening"),
        ("2026-12-02 23:59:59", "emergency evening"),
        ("2026-12-04 16:59:59", "help_desk business hours"),  # Friday
        ("2026-12-04 17:00:00", "emergency evening"),
        ("2026-12-04 23:59:59", "emergency evening"),
        ("2026-12-05 00:00:00", "emergency weekend"),  # Saturday starts at midnight
        ("2026-12-06 23:59:59", "emergency weekend"),  # Sunday ends at midnight
        ("2026-12-07 00:00:00", "emergency evening"),  # Monday, before opening
        ("2026-12-07 08:00:00", "help_desk business hours"),
    ],
)
def test_boundaries_are_exact(moment: str, expected: str) -> None:
    assert verdict(DEFAULT, local(moment)) == expected


def test_the_last_microsecond_before_opening_is_closed() -> None:
    moment = datetime(2026, 12, 2, 7, 59, 59, 999_999, tzinfo=NY)
    assert verdict(DEFAULT, moment) == "emergency evening"
    assert verdict(DEFAULT, moment + timedelta(microseconds=1)) == "help_desk business hours"
    closing = datetime(2026, 12, 2, 17, tzinfo=NY)
    assert verdict(DEFAULT, closing - timedelta(microseconds=1)) == "help_desk business hours"


def test_a_window_until_24_00_includes_the_last_moment_of_the_day() -> None:
    cal = calendar(hours="Mon-Fri 00:00-24:00")
    last = datetime(2026, 12, 2, 23, 59, 59, 999_999, tzinfo=NY)
    assert verdict(cal, last) == "help_desk business hours"
    assert verdict(cal, local("2026-12-02 00:00")) == "help_desk business hours"
    assert verdict(cal, local("2026-12-05 00:00")) == "emergency weekend"


# --- holidays: observed days, weekends, calendars ------------------------------------


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        # 4 July 2026 is a Saturday: observed on Friday the 3rd.
        ("2026-07-03 10:00", "emergency holiday: Independence Day (observed)"),
        ("2026-07-02 10:00", "help_desk business hours"),
        ("2026-07-06 10:00", "help_desk business hours"),
        # 26 December 2026 (NC "Day After Christmas") is a Saturday: observed Monday.
        ("2026-12-28 10:00", "emergency holiday: Day After Christmas (observed)"),
        ("2026-12-29 10:00", "help_desk business hours"),
        # 2027: Christmas on a Saturday, Christmas Eve observed on Thursday the 23rd.
        ("2027-12-23 10:00", "emergency holiday: Christmas Eve (observed)"),
        ("2027-12-27 10:00", "emergency holiday: Day After Christmas (observed)"),
        # 1 January 2028 is a Saturday: observed on Friday 31 December 2027.
        ("2027-12-31 10:00", "emergency holiday: New Year's Day (observed)"),
        # 19 June 2027 (Juneteenth) is a Saturday: observed Friday.
        ("2027-06-18 10:00", "emergency holiday: Juneteenth National Independence Day (observed)"),
    ],
)
def test_observed_holidays_count(moment: str, expected: str) -> None:
    assert verdict(DEFAULT, local(moment)) == expected


def test_christmas_eve_2027_is_a_holiday_on_a_friday() -> None:
    result = DEFAULT.classify(local("2027-12-24 10:00"))
    assert result.service_class == EMERGENCY
    assert result.reason.startswith("holiday: ")
    assert "Christmas Eve" in result.reason
    assert "Christmas Day (observed)" in result.reason


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ("2026-07-04 10:00", "emergency holiday: Independence Day"),  # Saturday
        ("2026-12-26 10:00", "emergency holiday: Day After Christmas"),  # Saturday
        ("2027-12-25 10:00", "emergency holiday: Christmas Day"),  # Saturday
        ("2027-12-26 10:00", "emergency holiday: Day After Christmas"),  # Sunday
    ],
)
def test_a_holiday_on_a_weekend_is_named_as_the_holiday(moment: str, expected: str) -> None:
    assert verdict(DEFAULT, local(moment)) == expected


@pytest.mark.parametrize(
    ("holiday_calendar", "moment", "expected"),
    [
        ("US-NC", "2026-12-24 10:00", "emergency holiday: Christmas Eve"),
        ("US", "2026-12-24 10:00", "help_desk business hours"),  # NC holiday only
        ("US-NC", "2026-10-12 10:00", "help_desk business hours"),  # not observed in NC
        ("US", "2026-10-12 10:00", "emergency holiday: Columbus Day"),
        ("US", "2026-12-25 10:00", "emergency holiday: Christmas Day"),
        ("US", "2026-07-03 10:00", "emergency holiday: Independence Day (observed)"),
        ("none", "2026-12-25 10:00", "help_desk business hours"),
        ("none", "2026-12-25 20:00", "emergency evening"),
        ("None", "2026-07-03 10:00", "help_desk business hours"),
        ("", "2026-12-24 10:00", "help_desk business hours"),
    ],
)
def test_holiday_calendars(holiday_calendar: str, moment: str, expected: str) -> None:
    cal = calendar(holidays=holiday_calendar)
    assert verdict(cal, local(moment)) == expected


def test_holiday_name_lookup() -> None:
    assert DEFAULT.holiday_name(date(2026, 12, 24)) == "Christmas Eve"
    assert DEFAULT.holiday_name(date(2026, 7, 3)) == "Independence Day (observed)"
    assert DEFAULT.holiday_name(date(2026, 12, 23)) is None
    assert calendar(holidays="US").holiday_name(date(2026, 12, 24)) is None
    assert calendar(holidays="none").holiday_name(date(2026, 12, 25)) is None


# --- staff edits: closures and holidays worked ---------------------------------------

CLOSED_WED = DayOverride(date(2026, 12, 2), "closure", "Office move")
CLOSED_XMAS_EVE = DayOverride(date(2026, 12, 24), "closure", "Winter break")
CLOSED_SAT = DayOverride(date(2026, 12, 5), "closure", "Server migration")
OPEN_XMAS_EVE = DayOverride(date(2026, 12, 24), "open", "Christmas Eve")
OPEN_JULY_4 = DayOverride(date(2026, 7, 4), "open", "Independence Day")
OPEN_PLAIN_DAY = DayOverride(date(2026, 12, 2), "open", "")


@pytest.mark.parametrize(
    ("edit", "moment", "expected"),
    [
        (CLOSED_WED, "2026-12-02 10:00", "emergency closure: Office move"),
        (CLOSED_WED, "2026-12-02 08:00", "emergency closure: Office move"),
        (CLOSED_WED, "2026-12-02 21:00", "emergency closure: Office move"),
        (CLOSED_WED, "2026-12-02 00:00", "emergency closure: Office move"),
        (CLOSED_WED, "2026-12-01 23:59", "emergency evening"),  # the day before is untouched
        (CLOSED_WED, "2026-12-03 08:00", "help_desk business hours"),  # and the day after
        (CLOSED_XMAS_EVE, "2026-12-24 10:00", "emergency closure: Winter break"),
        (CLOSED_SAT, "2026-12-05 10:00", "emergency closure: Server migration"),
        (OPEN_XMAS_EVE, "2026-12-24 10:00", "help_desk business hours"),
        (OPEN_XMAS_EVE, "2026-12-24 08:00", "help_desk business hours"),
        (OPEN_XMAS_EVE, "2026-12-24 07:59", "emergency evening"),
        (OPEN_XMAS_EVE, "2026-12-24 17:00", "emergency evening"),
        (OPEN_XMAS_EVE, "2026-12-24 21:30", "emergency evening"),
        (OPEN_XMAS_EVE, "2026-12-25 10:00", "emergency holiday: Christmas Day"),
        (OPEN_JULY_4, "2026-07-04 10:00", "emergency weekend"),  # a Saturday stays a weekend
        (OPEN_JULY_4, "2026-07-03 10:00", "emergency holiday: Independence Day (observed)"),
        (OPEN_PLAIN_DAY, "2026-12-02 10:00", "help_desk business hours"),
        (OPEN_PLAIN_DAY, "2026-12-02 18:00", "emergency evening"),
    ],
)
def test_staff_edits(edit: DayOverride, moment: str, expected: str) -> None:
    assert verdict(calendar(overrides=[edit]), local(moment)) == expected


def test_edits_apply_to_the_local_date_of_a_utc_moment() -> None:
    cal = calendar(overrides=[CLOSED_WED])
    # 2026-12-03 03:00 UTC is still Wednesday 2 December, 22:00, in New York.
    assert verdict(cal, utc("2026-12-03 03:00")) == "emergency closure: Office move"
    # 2026-12-02 04:59 UTC is Tuesday 23:59 in New York: not the closed day yet.
    assert verdict(cal, utc("2026-12-02 04:59")) == "emergency evening"


# --- the date is taken in the business time zone -----------------------------------


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        # 02:00 UTC on Christmas Day is 21:00 on Christmas Eve in New York.
        ("2026-12-25 02:00", "emergency holiday: Christmas Eve"),
        ("2026-12-25 04:59", "emergency holiday: Christmas Eve"),
        ("2026-12-25 05:00", "emergency holiday: Christmas Day"),
        # 04:59 UTC on the 24th is still Wednesday the 23rd, 23:59.
        ("2026-12-24 04:59", "emergency evening"),
        ("2026-12-24 05:00", "emergency holiday: Christmas Eve"),
        # New Year's Eve evening in New York, already 1 January in UTC.
        ("2027-01-01 03:00", "emergency evening"),
        # Friday 22:00 in New York, Saturday in UTC.
        ("2026-12-05 03:00", "emergency evening"),
        # Sunday 22:00 in New York, Monday in UTC.
        ("2026-12-07 03:00", "emergency weekend"),
        # 21:59 UTC on a December weekday is 16:59 in New York (EST, UTC-5).
        ("2026-12-02 21:59", "help_desk business hours"),
        ("2026-12-02 22:00", "emergency evening"),
        ("2026-12-02 13:00", "help_desk business hours"),
        ("2026-12-02 12:59", "emergency evening"),
    ],
)
def test_the_date_is_taken_in_new_york_not_utc(moment: str, expected: str) -> None:
    assert verdict(DEFAULT, utc(moment)) == expected


def test_a_moment_in_any_time_zone_is_converted() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    # 03:00 in Berlin on the 24th is 21:00 on the 23rd in New York.
    assert verdict(DEFAULT, datetime(2026, 12, 24, 3, tzinfo=berlin)) == "emergency evening"
    assert verdict(DEFAULT, datetime(2026, 12, 24, 16, tzinfo=berlin)).startswith(
        "emergency holiday: Christmas Eve"
    )
    tokyo = ZoneInfo("Asia/Tokyo")
    # Monday 09:00 in Tokyo is Sunday 19:00 in New York.
    assert verdict(DEFAULT, datetime(2026, 12, 7, 9, tzinfo=tokyo)) == "emergency weekend"


def test_naive_moments_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        DEFAULT.classify(datetime(2026, 12, 2, 10, 0))
    with pytest.raises(ValueError):
        DEFAULT.to_local(datetime(2026, 12, 2, 10, 0))


def test_local_moment_attaches_the_business_time_zone() -> None:
    moment = local_moment(DEFAULT, datetime(2026, 12, 24, 21, 30))
    assert moment.tzinfo == NY
    assert moment.astimezone(UTC) == datetime(2026, 12, 25, 2, 30, tzinfo=UTC)
    la_moment = local_moment(calendar(timezone="America/Los_Angeles"), datetime(2026, 12, 2, 8))
    assert la_moment.tzinfo == ZoneInfo("America/Los_Angeles")
    assert la_moment.astimezone(UTC) == datetime(2026, 12, 2, 16, tzinfo=UTC)


# --- DST: 8 March and 1 November 2026 in New York ------------------------------------


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        # Friday before spring-forward: EST (UTC-5), 08:00 local = 13:00 UTC.
        ("2026-03-06 12:30", "emergency evening"),
        ("2026-03-06 13:00", "help_desk business hours"),
        ("2026-03-06 21:59", "help_desk business hours"),
        ("2026-03-06 22:00", "emergency evening"),
        # Monday after: EDT (UTC-4), 08:00 local = 12:00 UTC.
        ("2026-03-09 11:59", "emergency evening"),
        ("2026-03-09 12:00", "help_desk business hours"),
        ("2026-03-09 12:30", "help_desk business hours"),  # 07:30 in EST terms: wrong
        ("2026-03-09 20:59", "help_desk business hours"),
        ("2026-03-09 21:00", "emergency evening"),
        # Around the jump itself (07:00 UTC): both sides are Sunday.
        ("2026-03-08 06:59", "emergency weekend"),
        ("2026-03-08 07:00", "emergency weekend"),
        # Sunday 23:30 EDT is 03:30 UTC on Monday.
        ("2026-03-09 03:30", "emergency weekend"),
        ("2026-03-09 04:00", "emergency evening"),  # Monday 00:00 EDT
        # Friday before fall-back: EDT, 08:00 local = 12:00 UTC.
        ("2026-10-30 12:00", "help_desk business hours"),
        ("2026-10-30 20:59", "help_desk business hours"),
        ("2026-10-30 21:00", "emergency evening"),
        # Monday after: EST, 08:00 local = 13:00 UTC.
        ("2026-11-02 12:30", "emergency evening"),
        ("2026-11-02 13:00", "help_desk business hours"),
        ("2026-11-02 21:59", "help_desk business hours"),
        ("2026-11-02 22:00", "emergency evening"),
        ("2026-11-02 04:59", "emergency weekend"),  # Sunday 23:59 EST
        ("2026-11-02 05:00", "emergency evening"),  # Monday 00:00 EST
        # Both 01:30s of the fall-back night, given in UTC.
        ("2026-11-01 05:30", "emergency weekend"),
        ("2026-11-01 06:30", "emergency weekend"),
    ],
)
def test_utc_moments_around_dst_classify_by_wall_clock(moment: str, expected: str) -> None:
    assert verdict(DEFAULT, utc(moment)) == expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ("2026-03-09 08:00", "help_desk business hours"),
        ("2026-03-09 07:59:59", "emergency evening"),
        ("2026-03-09 16:59:59", "help_desk business hours"),
        ("2026-03-09 17:00", "emergency evening"),
        ("2026-03-08 02:30", "emergency weekend"),  # does not exist: clocks jump 02:00 → 03:00
        ("2026-11-01 01:30", "emergency weekend"),  # happens twice
        ("2026-11-02 08:00", "help_desk business hours"),
        ("2026-11-02 07:59:59", "emergency evening"),
        ("2026-11-02 17:00", "emergency evening"),
    ],
)
def test_local_moments_on_dst_days(moment: str, expected: str) -> None:
    assert verdict(DEFAULT, local(moment)) == expected


def test_the_nonexistent_spring_forward_time_does_not_crash() -> None:
    for fold in (0, 1):
        moment = datetime(2026, 3, 8, 2, 30, fold=fold, tzinfo=NY)
        result = DEFAULT.classify(moment)
        assert (result.service_class, result.reason) == (EMERGENCY, "weekend")
        assert result.local.date() == date(2026, 3, 8)


def test_the_ambiguous_fall_back_time_is_classified_either_way() -> None:
    first = datetime(2026, 11, 1, 1, 30, fold=0, tzinfo=NY)
    second = datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=NY)
    assert second.astimezone(UTC) - first.astimezone(UTC) == timedelta(hours=1)
    for moment in (first, second):
        result = DEFAULT.classify(moment)
        assert (result.service_class, result.reason) == (EMERGENCY, "weekend")
        assert result.local.time() == time(1, 30)


def _open_minutes_on(cal: BusinessCalendar, day: date, step: timedelta) -> tuple[int, int]:
    """Walk one local day in real (UTC) time: its length in steps, and the steps open."""
    start = datetime(day.year, day.month, day.day, tzinfo=cal.timezone).astimezone(UTC)
    steps = opened = 0
    moment = start
    while moment.astimezone(cal.timezone).date() == day:
        steps += 1
        opened += cal.classify(moment).service_class == HELP_DESK
        moment += step
    return steps, opened


@pytest.mark.parametrize(
    ("day", "hours_long", "hours_open"),
    [
        (date(2026, 3, 8), 23, 1),  # 01:00-03:00 loses the hour that never happens
        (date(2026, 3, 15), 24, 2),
        (date(2026, 11, 1), 25, 3),  # 01:00-03:00 gains the repeated hour
        (date(2026, 11, 8), 24, 2),
    ],
)
def test_dst_days_are_23_and_25_hours_long(day: date, hours_long: int, hours_open: int) -> None:
    cal = calendar(hours="Sun 01:00-03:00")
    quarter = timedelta(minutes=15)
    steps, opened = _open_minutes_on(cal, day, quarter)
    assert steps == hours_long * 4
    assert opened == hours_open * 4


def test_every_moment_of_the_spring_forward_day_is_a_weekend() -> None:
    start = datetime(2026, 3, 8, tzinfo=NY).astimezone(UTC)
    reasons = {DEFAULT.classify(start + timedelta(minutes=m)).reason for m in range(0, 23 * 60)}
    assert reasons == {"weekend"}
    assert DEFAULT.classify(start + timedelta(hours=23)).reason == "evening"  # Monday 00:00


# --- other time zones and hours ------------------------------------------------------

LA_CAL = calendar(timezone="America/Los_Angeles")


@pytest.mark.parametrize(
    ("moment", "expected_la", "expected_ny"),
    [
        ("2026-12-02 15:30", "emergency evening", "help_desk business hours"),  # 07:30 PST
        ("2026-12-02 16:00", "help_desk business hours", "help_desk business hours"),
        ("2026-12-03 00:59", "help_desk business hours", "emergency evening"),  # 16:59 PST
        ("2026-12-03 01:00", "emergency evening", "emergency evening"),
        # 23:00 on Christmas Eve in Los Angeles, already Christmas Day in New York.
        (
            "2026-12-25 07:00",
            "emergency holiday: Christmas Eve",
            "emergency holiday: Christmas Day",
        ),
        # Friday 22:00 in Los Angeles is already Saturday 01:00 in New York.
        ("2026-12-05 06:00", "emergency evening", "emergency weekend"),
        # Spring-forward Monday: 08:00 PDT is 15:00 UTC.
        ("2026-03-09 15:00", "help_desk business hours", "help_desk business hours"),
        ("2026-03-09 14:59", "emergency evening", "help_desk business hours"),
    ],
)
def test_a_different_business_time_zone(moment: str, expected_la: str, expected_ny: str) -> None:
    assert verdict(LA_CAL, utc(moment)) == expected_la
    assert verdict(DEFAULT, utc(moment)) == expected_ny


SATURDAY_HOURS = calendar(hours="Mon-Fri 09:00-18:00; Sat 09:00-12:00")


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ("2026-12-02 08:59:59", "emergency evening"),
        ("2026-12-02 09:00", "help_desk business hours"),
        ("2026-12-02 17:00", "help_desk business hours"),
        ("2026-12-02 17:59:59", "help_desk business hours"),
        ("2026-12-02 18:00", "emergency evening"),
        ("2026-12-05 08:59", "emergency evening"),  # Saturday, before opening
        ("2026-12-05 09:00", "help_desk business hours"),
        ("2026-12-05 11:59:59", "help_desk business hours"),
        ("2026-12-05 12:00", "emergency evening"),
        ("2026-12-06 10:00", "emergency weekend"),  # Sunday
        ("2026-12-26 10:00", "emergency holiday: Day After Christmas"),  # a Saturday holiday
    ],
)
def test_different_business_hours(moment: str, expected: str) -> None:
    assert verdict(SATURDAY_HOURS, local(moment)) == expected


def test_a_weekday_without_hours_is_a_closed_day() -> None:
    cal = calendar(hours="Mon-Thu 08:00-17:00")
    assert verdict(cal, local("2026-12-04 10:00")) == "emergency closed day"  # Friday
    assert verdict(cal, local("2026-12-03 10:00")) == "help_desk business hours"


# --- parsing the settings ----------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "windows"),
    [
        ("Mon-Fri 08:00-17:00", {d: (time(8), time(17)) for d in range(5)}),
        ("  Mon - Fri  8:00 - 17:30 ", {d: (time(8), time(17, 30)) for d in range(5)}),
        ("mon-fri 08:00-17:00;", {d: (time(8), time(17)) for d in range(5)}),
        (
            "Mon-Fri 09:00-18:00; Sat 09:00-12:00",
            {**{d: (time(9), time(18)) for d in range(5)}, 5: (time(9), time(12))},
        ),
        ("Sun 00:00-24:00", {6: (time(0), time.max)}),
    ],
)
def test_business_hours_parse(spec: str, windows: dict[int, tuple[time, time]]) -> None:
    assert dict(parse_business_hours(spec).windows) == windows


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "names no opening hours"),
        ("  ;  ", "names no opening hours"),
        ("9 to 5", "should look like 'Mon-Fri 08:00-17:00'"),
        ("Mon-Fri", "should look like"),
        ("Mon-Fri 8-17", "should look like"),
        ("Mon-Fri 08:00-17:00 extra", "should look like"),
        ("Mon-Tue-Wed 08:00-17:00", "should look like"),
        ("Monday 08:00-17:00", "should look like"),
        ("Xyz 08:00-17:00", "'Xyz' is not a day"),
        ("Fri-Mon 08:00-17:00", "runs backwards"),
        ("Mon-Fri 17:00-08:00", "closes before it opens"),
        ("Mon-Fri 08:00-08:00", "closes before it opens"),
        ("Mon-Fri 25:00-26:00", "'25:00' is not a time of day"),
        ("Mon-Fri 08:60-17:00", "'08:60' is not a time of day"),
        ("Mon-Fri 08:00-24:30", "'24:30' is not a time of day"),
        ("Mon-Fri 08:00-17:00; Sat", "'Sat' should look like"),
    ],
)
def test_bad_business_hours_are_explained(spec: str, message: str) -> None:
    with pytest.raises(CalendarConfigError, match=message):
        parse_business_hours(spec)
    with pytest.raises(CalendarConfigError):
        BusinessCalendar.from_settings("America/New_York", spec, "US-NC")


@pytest.mark.parametrize(
    ("spec", "parsed"),
    [
        ("US-NC", ("US", "NC")),
        (" US-NC ", ("US", "NC")),
        ("US", ("US", None)),
        ("US-CA", ("US", "CA")),
        ("none", None),
        ("NONE", None),
        ("", None),
    ],
)
def test_holiday_calendar_parse(spec: str, parsed: tuple[str, str | None] | None) -> None:
    assert parse_holiday_calendar(spec) == parsed


@pytest.mark.parametrize("spec", ["Narnia", "XX", "US-ZZ", "-NC", "US-NC-X"])
def test_bad_holiday_calendars_are_explained(spec: str) -> None:
    with pytest.raises(CalendarConfigError, match=r"HOLIDAY_CALENDAR .* is not a known calendar"):
        parse_holiday_calendar(spec)
    with pytest.raises(CalendarConfigError, match=re.escape(spec)):
        BusinessCalendar.from_settings("America/New_York", "Mon-Fri 08:00-17:00", spec)


def test_config_errors_are_value_errors() -> None:
    assert issubclass(CalendarConfigError, ValueError)


# --- the closed days of a year -------------------------------------------------------


def test_closed_days_lists_observed_holidays_in_date_order() -> None:
    days = DEFAULT.closed_days(2026)
    listed = {d.day: d for d in days}
    assert [d.day for d in days] == sorted(listed)
    assert all(d.day.year == 2026 and d.kind == "holiday" and not d.worked for d in days)
    assert listed[date(2026, 12, 24)].name == "Christmas Eve"
    assert listed[date(2026, 7, 3)].name == "Independence Day (observed)"
    assert listed[date(2026, 7, 4)].name == "Independence Day"
    assert listed[date(2026, 12, 28)].name == "Day After Christmas (observed)"
    assert date(2026, 10, 12) not in listed  # Columbus Day: not an NC state holiday
    assert date(2026, 12, 23) not in listed


def test_closed_days_of_2027_include_the_new_year_observed_in_december() -> None:
    listed = {d.day: d.name for d in DEFAULT.closed_days(2027)}
    assert listed[date(2027, 12, 31)] == "New Year's Day (observed)"
    assert listed[date(2027, 12, 23)] == "Christmas Eve (observed)"
    assert "Christmas Eve" in listed[date(2027, 12, 24)]
    assert date(2028, 1, 1) not in listed


def test_closed_days_include_closures_and_mark_worked_holidays() -> None:
    cal = calendar(
        overrides=[
            CLOSED_WED,
            OPEN_XMAS_EVE,
            DayOverride(date(2027, 1, 4), "closure", "Inventory"),  # another year
            DayOverride(date(2026, 12, 3), "open", ""),
        ]
    )
    days = cal.closed_days(2026)
    listed = {d.day: d for d in days}
    assert listed[date(2026, 12, 2)] == ClosedDay(date(2026, 12, 2), "Office move", "closure")
    assert listed[date(2026, 12, 24)] == ClosedDay(
        date(2026, 12, 24), "Christmas Eve", "holiday", worked=True
    )
    assert not listed[date(2026, 12, 25)].worked
    assert date(2026, 12, 3) not in listed  # an "open" edit on a plain day closes nothing
    assert date(2027, 1, 4) not in listed
    assert [d.day for d in days] == sorted(listed)
    assert [d.day for d in cal.closed_days(2027) if d.kind == "closure"] == [date(2027, 1, 4)]


def test_a_closure_on_a_holiday_replaces_it_in_the_list() -> None:
    days = calendar(overrides=[CLOSED_XMAS_EVE]).closed_days(2026)
    eve = [d for d in days if d.day == date(2026, 12, 24)]
    assert eve == [ClosedDay(date(2026, 12, 24), "Winter break", "closure")]


def test_closed_days_without_public_holidays_are_only_closures() -> None:
    assert calendar(holidays="none").closed_days(2026) == []
    cal = calendar(holidays="none", overrides=[CLOSED_WED])
    assert cal.closed_days(2026) == [ClosedDay(date(2026, 12, 2), "Office move", "closure")]


def test_the_us_calendar_lists_federal_holidays_only() -> None:
    us = {d.day for d in calendar(holidays="US").closed_days(2026)}
    nc = {d.day for d in DEFAULT.closed_days(2026)}
    assert date(2026, 10, 12) in us - nc  # Columbus Day
    assert {date(2026, 12, 24), date(2026, 11, 27), date(2026, 4, 3)} <= nc - us
    assert date(2026, 12, 25) in us & nc
