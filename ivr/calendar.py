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
def _public_holidays(country: str, subdiv: str | None, year: int) -> dict[date, str]:
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
    kind: str  # "holiday" or "closure"
    worked: bool = False  # a holiday staff marked as a working day


@dataclass(frozen=True)
class BusinessCalendar:
    """Business hours + public holidays + staff edits, in one time zone."""

    timezone: ZoneInfo
    hours: BusinessHours
    holiday_source: tuple[str, str | None] | None
    overrides: Mapping[date, DayOverride] = field(default_factory=dict)

    @classmethod
    def from_settings(
        cls,
        timezone: str,
        hours: str,
        holiday_calendar: str,
        overrides: Mapping[date, DayOverride] | None = None,
    ) -> BusinessCalendar:
        """Build from the BUSINESS_TIMEZONE / BUSINESS_HOURS / HOLIDAY_CALENDAR strings."""
        return cls(
            timezone=ZoneInfo(timezone),
            hours=parse_business_hours(hours),
            holiday_source=parse_holiday_calendar(holiday_calendar),
            overrides=dict(overrides or {}),
        )

    def holiday_name(self, day: date) -> str | None:
        """The public holiday on that local date (observed days included), if any."""
        if self.holiday_source is None:
            return None
        country, subdiv = self.holiday_source
        return _public_holidays(country, subdiv, day.year).get(day)

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
        """Holidays (observed included) and closures of `year`, in date order."""
        days: dict[date, ClosedDay] = {}
        if self.holiday_source is not None:
            country, subdiv = self.holiday_source
            for day, name in _public_holidays(country, subdiv, year).items():
                override = self.overrides.get(day)
                worked = override is not None and override.kind == "open"
                days[day] = ClosedDay(day, name, "holiday", worked=worked)
        for day, override in self.overrides.items():
            if day.year == year and override.kind == "closure":
                days[day] = ClosedDay(day, override.name, "closure")
        return [days[d] for d in sorted(days)]


def local_moment(calendar: BusinessCalendar, naive: datetime) -> datetime:
    """Attach the business time zone to a wall-clock moment typed by a person."""
    return naive.replace(tzinfo=calendar.timezone)
