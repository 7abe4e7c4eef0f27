"""The business calendar: hours, holidays and staff edits decide emergency vs help desk.

Every decision is made on the local date and time in the business time zone;
`zoneinfo` does the DST arithmetic, never this module.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from ivr.holiday_policy import HolidayPolicy

EMERGENCY = "emergency"
HELP_DESK = "help_desk"

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SEGMENT = re.compile(
    r"^\s*(?P<days>[A-Za-z]{3}(?:\s*-\s*[A-Za-z]{3})?)\s+"
    r"(?P<open>\d{1,2}:\d{2})\s*-\s*(?P<close>\d{1,2}:\d{2})\s*$"
)


class CalendarConfigError(ValueError):
    """BUSINESS_HOURS or HOLIDAY_CALENDAR cannot be understood."""


@dataclass(frozen=True)
class BusinessHours:
    """Opening hours per weekday (0 = Monday): a half-open interval [opens, closes)."""

    windows: Mapping[int, tuple[time, time]]

    def is_open(self, local: datetime) -> bool:
        """True when the local wall-clock moment falls inside that day's window."""
        window = self.windows.get(local.weekday())
        if window is None:
            return False
        opens, closes = window
        now = local.time().replace(tzinfo=None)
        # "24:00" is stored as time.max, which must itself count as open.
        return opens <= now and (now < closes or closes == time.max)


def _parse_time(text: str) -> time:
    hours, minutes = (int(part) for part in text.split(":"))
    if not (0 <= hours <= 24 and 0 <= minutes < 60) or (hours == 24 and minutes):
        raise CalendarConfigError(f"{text!r} is not a time of day")
    return time.max if hours == 24 else time(hours, minutes)


def _parse_days(text: str) -> list[int]:
    names = [part.strip().lower() for part in text.split("-")]
    try:
        indexes = [DAY_NAMES.index(name) for name in names]
    except ValueError:
        raise CalendarConfigError(f"{text!r} is not a day or range of days (Mon-Fri)") from None
    if len(indexes) == 1:
        return indexes
    first, last = indexes
    if last < first:
        raise CalendarConfigError(f"day range {text!r} runs backwards")
    return list(range(first, last + 1))


def parse_business_hours(spec: str) -> BusinessHours:
    """Parse "Mon-Fri 08:00-17:00" (segments may be joined with ';', e.g. "; Sat 09:00-12:00")."""
    windows: dict[int, tuple[time, time]] = {}
    for segment in filter(str.strip, spec.split(";")):
        match = _SEGMENT.match(segment)
        if not match:
            raise CalendarConfigError(
                f"BUSINESS_HOURS segment {segment.strip()!r} should look like 'Mon-Fri 08:00-17:00'"
            )
        opens, closes = _parse_time(match["open"]), _parse_time(match["close"])
        if closes <= opens:
            raise CalendarConfigError(f"{segment.strip()!r} closes before it opens")
        for day in _parse_days(match["days"]):
            windows[day] = (opens, closes)
    if not windows:
        raise CalendarConfigError("BUSINESS_HOURS names no opening hours")
    return BusinessHours(windows)


@lru_cache(maxsize=16)
def parse_holiday_calendar(spec: str) -> tuple[str, str | None] | None:
    """ "US-NC" → ("US", "NC"); "US" → ("US", None); "none" → None (no public holidays)."""
    # Cached: every call builds the calendar anew, and checking the spec means building a
    # holidays object (about a millisecond of the incoming-call webhook).
    spec = spec.strip()
    if spec.lower() in ("", "none"):
        return None
    country, _, subdiv = spec.upper().partition("-")
    try:
        holidays.country_holidays(country, subdiv=subdiv or None, years=2000)
    except (NotImplementedError, KeyError) as exc:
        raise CalendarConfigError(f"HOLIDAY_CALENDAR {spec!r} is not a known calendar") from exc
    return country, subdiv or None


@lru_cache(maxsize=64)
def public_holidays(country: str, subdiv: str | None, year: int) -> dict[date, str]:
    """The library calendar's holidays of one year (observed days included), by date."""
    # Built once per (calendar, year): constructing a holidays object is the slow part.
    table = holidays.country_holidays(country, subdiv=subdiv, years=year, observed=True)
    return {day: name for day, name in table.items() if day.year == year}


@dataclass(frozen=True)
class DayOverride:
    """A staff edit: `closure` closes a day; `open` works a holiday as a normal day."""

    day: date
    kind: str
    name: str = ""


@dataclass(frozen=True)
class Classification:
    """What a moment is: its service class and the reason, e.g. ("emergency", "weekend")."""

    service_class: str
    reason: str
    local: datetime

    @property
    def is_emergency(self) -> bool:
        """True outside business hours."""
        return self.service_class == EMERGENCY


@dataclass(frozen=True)
class ClosedDay:
    """A day in the closed-days list of a year."""

    day: date
    name: str
    # "holiday" (a library holiday observed), "firm" (the firm's recurring day), "closure"
    # (one-off), or "worked" (a library holiday the firm works every year: listed, not closed)
    kind: str
    worked: bool = False  # a holiday staff marked as a working day, this once
    rule: str = ""  # for "firm" days, which rule made the day, e.g. "every Dec 24"


@dataclass(frozen=True)
class BusinessCalendar:
    """Business hours + public holidays + the firm's holiday policy + staff edits, in one zone."""

    timezone: ZoneInfo
    hours: BusinessHours
    holiday_source: tuple[str, str | None] | None
    overrides: Mapping[date, DayOverride] = field(default_factory=dict)
    policy: HolidayPolicy = field(default_factory=HolidayPolicy)

    @classmethod
    def from_settings(
        cls,
        timezone: str,
        hours: str,
        holiday_calendar: str,
        overrides: Mapping[date, DayOverride] | None = None,
        policy: HolidayPolicy | None = None,
    ) -> BusinessCalendar:
        """Build from the BUSINESS_TIMEZONE / BUSINESS_HOURS / HOLIDAY_CALENDAR strings."""
        return cls(
            timezone=ZoneInfo(timezone),
            hours=parse_business_hours(hours),
            holiday_source=parse_holiday_calendar(holiday_calendar),
            overrides=dict(overrides or {}),
            policy=policy or HolidayPolicy(),
        )

    def library_holidays(self, year: int) -> dict[date, str]:
        """The library calendar's holidays of `year` (observed days included), by date."""
        if self.holiday_source is None:
            return {}
        country, subdiv = self.holiday_source
        return public_holidays(country, subdiv, year)

    def holiday_name(self, day: date) -> str | None:
        """The holiday that closes that local date under the firm's policy, if any."""
        library = self.library_holidays(day.year)
        observed = self.policy.closing_name(library.get(day))
        if observed:
            return observed
        firm_day = self.policy.firm_days(day.year, library).get(day)
        return firm_day.name if firm_day else None

    def to_local(self, moment: datetime) -> datetime:
        """`moment` on the business's wall clock; naive moments are refused."""
        if moment.tzinfo is None:
            raise ValueError("classify needs a timezone-aware moment")
        return moment.astimezone(self.timezone)

    def classify(self, moment: datetime) -> Classification:
        """Emergency or help desk at `moment`, and why."""
        local = self.to_local(moment)
        day = local.date()
        override = self.overrides.get(day)
        if override is not None and override.kind == "closure":
            return Classification(EMERGENCY, f"closure: {override.name}", local)
        holiday = self.holiday_name(day)
        worked = override is not None and override.kind == "open"
        if holiday and not worked:
            return Classification(EMERGENCY, f"holiday: {holiday}", local)
        if local.weekday() not in self.hours.windows:
            reason = "weekend" if local.weekday() >= 5 else "closed day"
            return Classification(EMERGENCY, reason, local)
        if self.hours.is_open(local):
            return Classification(HELP_DESK, "business hours", local)
        return Classification(EMERGENCY, "evening", local)

    def closed_days(self, year: int) -> list[ClosedDay]:
        """The year's holidays, firm days, closures and library holidays worked, by date."""
        days: dict[date, ClosedDay] = {}
        library = self.library_holidays(year)
        for day, rule in self.policy.firm_days(year, library).items():
            days[day] = ClosedDay(day, rule.name, "firm", self._opened(day), rule.describe())
        for day, name in library.items():
            observed = self.policy.closing_name(name)
            if observed:
                days[day] = ClosedDay(day, observed, "holiday", worked=self._opened(day))
            elif day not in days:
                days[day] = ClosedDay(day, name, "worked")
        for day, override in self.overrides.items():
            if day.year == year and override.kind == "closure":
                days[day] = ClosedDay(day, override.name, "closure")
        return [days[d] for d in sorted(days)]

    def _opened(self, day: date) -> bool:
        override = self.overrides.get(day)
        return override is not None and override.kind == "open"


def local_moment(calendar: BusinessCalendar, naive: datetime) -> datetime:
    """Attach the business time zone to a wall-clock moment typed by a person."""
    return naive.replace(tzinfo=calendar.timezone)
