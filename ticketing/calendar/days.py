"""Staff edits of the business calendar (closures, holidays worked) and the calendar they make
with the firm's holiday policy."""

from __future__ import annotations

from datetime import date
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from ivr.calendar import BusinessCalendar, DayOverride
from ticketing.calendar.models import CalendarDay, CalendarDayKind
from ticketing.calendar.rules import holiday_policy
from ticketing.calendar.stamp import current_stamp
from ticketing.errors import DomainError, NotFound


class CalendarSettings(Protocol):
    """The three settings a business calendar is made of."""

    business_timezone: str
    business_hours: str
    holiday_calendar: str


# Calendars built, by stamp and settings: a process reads a few, and each stays good for
# as long as nobody edits the calendar.
_BUILT: dict[tuple[str, str, str, str], BusinessCalendar] = {}
_KEEP_AT_MOST = 16
_UNREAD = "unread"


def business_calendar(
    session: Session, settings: CalendarSettings, *, stamp: str | None = _UNREAD
) -> BusinessCalendar:
    """The calendar in force: configured hours and holidays, the holiday policy, staff edits
    (kept by this process under the calendar's stamp; pass `stamp` when already read)."""
    if stamp == _UNREAD:
        stamp = current_stamp(session)
    if stamp is None:
        return _build(session, settings)
    built = kept_calendar(settings, stamp)
    if built is None:
        built = _build(session, settings)
        if len(_BUILT) >= _KEEP_AT_MOST:
            _BUILT.clear()
        _BUILT[_key(settings, stamp)] = built
    return built


def kept_calendar(settings: CalendarSettings, stamp: str | None) -> BusinessCalendar | None:
    """The calendar this process built under `stamp` (the calendar's stamp as just read),
    if it did: then nothing need be read at all."""
    return _BUILT.get(_key(settings, stamp)) if stamp is not None else None


def _key(settings: CalendarSettings, stamp: str) -> tuple[str, str, str, str]:
    return (stamp, settings.business_timezone, settings.business_hours, settings.holiday_calendar)


def _build(session: Session, settings: CalendarSettings) -> BusinessCalendar:
    overrides = {
        row.day: DayOverride(row.day, row.kind, row.name)
        for row in session.scalars(select(CalendarDay))
    }
    return BusinessCalendar.from_settings(
        settings.business_timezone,
        settings.business_hours,
        settings.holiday_calendar,
        overrides,
        holiday_policy(session),
    )


def _existing(session: Session, day: date) -> CalendarDay | None:
    return session.scalar(select(CalendarDay).where(CalendarDay.day == day))


def add_closure(session: Session, day: date, name: str) -> CalendarDay:
    """Close the company on `day` (every call that day is an emergency)."""
    name = name.strip()
    if not name:
        raise DomainError("a closure needs a name, e.g. 'Office move'")
    if len(name) > 120:
        raise DomainError("a closure name is at most 120 characters")
    row = _existing(session, day)
    if row is not None and row.kind == CalendarDayKind.CLOSURE:
        raise DomainError(f"{day} is already a closure ({row.name}); remove it first")
    if row is None:
        row = CalendarDay(day=day, kind=CalendarDayKind.CLOSURE, name=name)
        session.add(row)
    else:
        row.kind, row.name = CalendarDayKind.CLOSURE, name
    session.flush()
    return row


def mark_open(session: Session, day: date, settings: CalendarSettings) -> CalendarDay:
    """Work on a holiday (a library one observed, or a firm's day) this once as a normal day."""
    holiday = business_calendar(session, settings).holiday_name(day)
    if holiday is None:
        raise DomainError(f"{day} is not a holiday; there is nothing to open")
    row = _existing(session, day)
    if row is not None:
        raise DomainError(f"{day} already has an edit ({row.kind}: {row.name}); remove it first")
    row = CalendarDay(day=day, kind=CalendarDayKind.OPEN, name=holiday)
    session.add(row)
    session.flush()
    return row


def remove_edit(session: Session, day: date) -> CalendarDay:
    """Undo a closure or an open-on-holiday edit."""
    row = _existing(session, day)
    if row is None:
        raise NotFound(f"{day} has no closure or open-day edit to remove")
    session.delete(row)
    session.flush()
    return row
