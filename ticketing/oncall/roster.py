"""Who is on call: rotations and overrides (`intake oncall set` makes a standing one)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from ticketing.directory import technician_by_name
from ticketing.errors import DomainError, NotFound
from ticketing.models import Technician
from ticketing.oncall.models import OnCallOverride, OnCallRole, Rotation, RotationMember
from ticketing.oncall.shifts import ROLES, overrides_in_force, shifts

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_HANDOFF = re.compile(r"^\s*(?:(?P<day>[A-Za-z]+)\s+)?(?P<hour>\d{1,2}):(?P<minute>\d{2})\s*$")
HANDOFF_HELP = 'use a weekday and a 24-hour time, e.g. "Mon 08:00"'


def _role(role: str) -> str:
    if role not in ROLES:
        raise NotFound(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    return role


def _technician(session: Session, name: str) -> Technician:
    tech = technician_by_name(session, name)
    if tech is None:
        raise NotFound(f"no technician named {name!r} (add one with `intake technicians add`)")
    if not tech.active:
        raise DomainError(f"{tech.name} is not an active technician")
    return tech


def set_on_call(
    session: Session, name: str, *, now: datetime, role: str = OnCallRole.PRIMARY
) -> Technician:
    """Put a technician on call from now on, ending whoever held the role until now."""
    _role(role)
    tech = technician_by_name(session, name)
    if tech is None:
        raise NotFound(f"no technician named {name!r} (add one with `intake technicians add`)")
    standing = session.scalars(
        select(OnCallOverride).where(
            OnCallOverride.role == role,
            OnCallOverride.ends_at.is_(None),
            OnCallOverride.starts_at <= now,
        )
    )
    for override in standing:
        override.ends_at = now
    session.add(OnCallOverride(technician_id=tech.id, role=role, starts_at=now, ends_at=None))
    session.flush()
    return tech


def unset_on_call(session: Session, *, now: datetime, role: str = OnCallRole.PRIMARY) -> Technician:
    """End the standing override `set_on_call` made for `role` (kept on record), so the
    rotation decides again; returns who held it."""
    _role(role)
    standing = list(
        session.scalars(
            select(OnCallOverride)
            .where(
                OnCallOverride.role == role,
                OnCallOverride.ends_at.is_(None),
                OnCallOverride.starts_at <= now,
            )
            .order_by(OnCallOverride.id.desc())
        )
    )
    if not standing:
        raise NotFound(
            f"nobody was put on call as {role} with `oncall set`; overrides with an end"
            " are removed with `oncall override remove ID`"
        )
    for override in standing:
        override.ends_at = now
    session.flush()
    return standing[0].technician


def on_call(session: Session, at: datetime, role: str = OnCallRole.PRIMARY) -> Technician | None:
    """The technician holding `role` at moment `at`: the newest override, else the rotation.

    No zone is needed: each rotation hands off on its own zone's wall clock.
    """
    if at.tzinfo is None:
        raise ValueError("on_call needs a timezone-aware moment")
    # The newest override covering `at` outranks every rotation (as in schedules' merge),
    # so one query answers without building the shifts around it: every emergency call
    # asks this while the caller listens.
    override = _covering_override(session, at, role)
    if override is not None:
        return override.technician
    for shift in shifts(session, at, at + timedelta(microseconds=1), role=role):
        if shift.start <= at < shift.end:
            return shift.technician
    return None


def _covering_override(session: Session, at: datetime, role: str) -> OnCallOverride | None:
    """The newest override of `role` in force at `at` whose technician is active."""
    in_force = overrides_in_force(role, at, at + timedelta(microseconds=1))
    return session.scalar(in_force.order_by(OnCallOverride.id.desc()).limit(1))


def add_override(
    session: Session, name: str, *, start: datetime, end: datetime, role: str, now: datetime
) -> OnCallOverride:
    """Put NAME on call for [start, end), over any rotation and any older override."""
    _role(role)
    tech = _technician(session, name)
    if end <= start:
        raise DomainError("an override must end after it starts")
    if end <= now:
        raise DomainError("that override would be entirely in the past")
    override = OnCallOverride(technician_id=tech.id, role=role, starts_at=start, ends_at=end)
    session.add(override)
    session.flush()
    return override


def remove_override(session: Session, override_id: int) -> OnCallOverride:
    """Delete override number `override_id`; whoever it covered for is on call again."""
    # Loaded before the delete: the caller may still name who it was for.
    override = session.get(
        OnCallOverride, override_id, options=[selectinload(OnCallOverride.technician)]
    )
    if override is None:
        raise NotFound(f"no override #{override_id} (see `intake oncall override list`)")
    session.delete(override)
    session.flush()
    return override


def overrides(
    session: Session, now: datetime, *, include_past: bool = False
) -> list[OnCallOverride]:
    """Overrides not yet over (every one with `include_past`), by start."""
    stmt = select(OnCallOverride).order_by(OnCallOverride.starts_at, OnCallOverride.id)
    if not include_past:
        stmt = stmt.where(or_(OnCallOverride.ends_at.is_(None), OnCallOverride.ends_at > now))
    return list(session.scalars(stmt))


def parse_handoff(text: str) -> tuple[int | None, time]:
    """ "Mon 08:00" → (0, 08:00); "08:00" → (None, 08:00) (weekday 0 = Monday)."""
    match = _HANDOFF.match(text)
    if not match:
        raise DomainError(f"{text!r} is not a hand-off; {HANDOFF_HELP}")
    hour, minute = int(match["hour"]), int(match["minute"])
    if hour > 23 or minute > 59:
        raise DomainError(f"{text!r} has no valid time of day; {HANDOFF_HELP}")
    if match["day"] is None:
        return None, time(hour, minute)
    given = match["day"].lower()
    days = [i for i, day in enumerate(WEEKDAYS) if len(given) >= 3 and day.startswith(given)]
    if not days:
        raise DomainError(f"{match['day']!r} is not a weekday; {HANDOFF_HELP}")
    return days[0], time(hour, minute)


def first_handoff(weekday: int | None, starts: date | None, today: date) -> date:
    """The first hand-off's date: `starts` (on `weekday`), else the next `weekday` from today."""
    if starts is not None:
        if weekday is not None and starts.weekday() != weekday:
            raise DomainError(
                f"the hand-off is on {WEEKDAYS[weekday].title()}s but {starts} is a "
                f"{WEEKDAYS[starts.weekday()].title()}"
            )
        return starts
    if weekday is None:
        return today
    return today + timedelta(days=(weekday - today.weekday()) % 7)


def rotation_by_name(session: Session, name: str) -> Rotation | None:
    """The rotation with that name (case-insensitive)."""
    return session.scalar(select(Rotation).where(func.lower(Rotation.name) == name.strip().lower()))


def _zone_name(timezone: str) -> str:
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise DomainError(f"{timezone!r} is not a time zone (e.g. America/New_York)") from None
    return timezone


def set_rotation(
    session: Session,
    name: str,
    *,
    role: str,
    members: Sequence[str],
    handoff: str,
    starts: date | None,
    shift_days: int,
    today: date,
    timezone: str,
) -> Rotation:
    """Create rotation NAME, or replace the one of that name (members, hand-off, start).

    The hand-off day and time (and `starts`, `today`) are on the wall clock of `timezone`,
    an IANA name stored with the rotation: its hand-offs stay there whatever zone is
    configured or displayed later.
    """
    if not name.strip() or len(name.strip()) > 120:
        raise DomainError("a rotation needs a name (at most 120 characters)")
    _role(role)
    zone = _zone_name(timezone)
    if not 1 <= shift_days <= 365:
        raise DomainError("a shift lasts 1 to 365 days")
    if not members or any(not member.strip() for member in members):
        raise DomainError('list the members in order, e.g. "Dana Whitfield,Luis Romero"')
    techs = [_technician(session, member) for member in members]
    weekday, at = parse_handoff(handoff)
    rotation = rotation_by_name(session, name) or Rotation()
    rotation.name, rotation.role = name.strip(), role
    rotation.handoff_time, rotation.shift_days = at, shift_days
    rotation.timezone = zone
    rotation.starts_on = first_handoff(weekday, starts, today)
    # Old members go first: (rotation, position) is unique and inserts run before deletes.
    rotation.members.clear()
    session.add(rotation)
    session.flush()
    rotation.members.extend(
        RotationMember(position=i, technician_id=t.id, technician=t) for i, t in enumerate(techs)
    )
    session.flush()
    return rotation


def remove_rotation(session: Session, name: str) -> Rotation:
    """Delete rotation NAME and its member list."""
    rotation = rotation_by_name(session, name)
    if rotation is None:
        raise NotFound(f"no rotation named {name!r} (see `intake oncall rotation list`)")
    session.delete(rotation)
    session.flush()
    return rotation


def rotations(session: Session) -> list[Rotation]:
    """Every rotation, by role then name."""
    return list(session.scalars(select(Rotation).order_by(Rotation.role, Rotation.name)))
