"""The firm's holiday policy: library holidays it works every year, and days of its own.

The `holidays` library names a date's holidays in one string ("Christmas Day (observed);
Christmas Eve"); a rule names one holiday without the "(observed)" suffix, so working
"Independence Day" also works the Friday it is observed on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

OBSERVED_SUFFIX = " (observed)"
_FULL_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
MONTHS = tuple(full[:3] for full in _FULL_MONTHS)
_MONTH_DAY = re.compile(r"^\s*(?P<month>[A-Za-z]{3,9}\.?)\s+(?P<day>\d{1,2})\s*$")


def parts(library_name: str) -> list[str]:
    """The holidays a library entry names, e.g. ["Christmas Day (observed)", "Christmas Eve"]."""
    return [part.strip() for part in library_name.split(";") if part.strip()]


def base_name(holiday: str) -> str:
    """A holiday's name without the library's "(observed)" suffix."""
    return holiday.removesuffix(OBSERVED_SUFFIX)


def _month(word: str) -> int:
    """1-12 for "Dec", "dec.", "December" or "Sept"; 0 for anything else."""
    word = word.lower().rstrip(".")
    for number, full in enumerate(_FULL_MONTHS, start=1):
        if len(word) >= 3 and full.startswith(word):
            return number
    return 0


def parse_month_day(text: str) -> tuple[int, int]:
    """ "Dec 24" or "December 24" → (12, 24); ValueError with a sentence otherwise."""
    match = _MONTH_DAY.match(text)
    month = _month(match["month"]) if match else 0
    if not match or not month:
        raise ValueError(f"{text!r} is not a day of the year; use a month and day, e.g. 'Dec 24'")
    day = int(match["day"])
    try:
        date(2000, month, day)  # a leap year, so that Feb 29 is a day of some years
    except ValueError:
        raise ValueError(
            f"{text!r} is not a day of the year: {MONTHS[month - 1].title()} has no day {day}"
        ) from None
    return month, day


@dataclass(frozen=True)
class RecurringDay:
    """A day the firm closes every year: a fixed date, or some days after a library holiday."""

    name: str
    month: int | None = None
    day: int | None = None
    after: str | None = None
    days: int = 0

    def date_in(self, year: int, library: Mapping[date, str]) -> date | None:
        """Its date in `year` (None when Feb 29 or the holiday it follows is missing)."""
        if self.month is not None and self.day is not None:
            try:
                return date(year, self.month, self.day)
            except ValueError:
                return None
        for day, name in library.items():
            if any(part == self.after for part in parts(name)):
                return day + timedelta(days=self.days)
        return None

    def describe(self) -> str:
        """E.g. "every Dec 24" or "every year, 1 day after Thanksgiving Day"."""
        if self.month is not None:
            return f"every {MONTHS[self.month - 1].title()} {self.day}"
        unit = "day" if abs(self.days) == 1 else "days"
        where = "after" if self.days > 0 else "before"
        return f"every year, {abs(self.days)} {unit} {where} {self.after}"


@dataclass(frozen=True)
class HolidayPolicy:
    """Library holidays worked every year (by base name) and the firm's own recurring days."""

    worked: frozenset[str] = frozenset()
    recurring: tuple[RecurringDay, ...] = ()

    def closing_name(self, library_name: str | None) -> str | None:
        """What of a library entry still closes the day once worked holidays are taken out."""
        if not library_name:
            return None
        kept = [part for part in parts(library_name) if base_name(part) not in self.worked]
        return "; ".join(kept) or None

    def firm_days(self, year: int, library: Mapping[date, str]) -> dict[date, RecurringDay]:
        """The firm's recurring days of `year` that fall in `year`, by date."""
        found: dict[date, RecurringDay] = {}
        for rule in self.recurring:
            day = rule.date_in(year, library)
            if day is not None and day.year == year:
                found.setdefault(day, rule)
        return found


def library_names(tables: Iterable[Mapping[date, str]]) -> list[str]:
    """Every holiday (base name) the library calendar names in those years, sorted."""
    return sorted(
        {base_name(part) for table in tables for name in table.values() for part in parts(name)}
    )


def match_name(typed: str, names: Iterable[str]) -> str | None:
    """The library holiday `typed` means: an exact name, or the one name it begins (any case)."""
    wanted = " ".join(typed.split()).casefold()
    choices = list(names)
    exact = [name for name in choices if name.casefold() == wanted]
    if exact:
        return exact[0]
    started = [name for name in choices if name.casefold().startswith(wanted)]
    return started[0] if wanted and len(started) == 1 else None
