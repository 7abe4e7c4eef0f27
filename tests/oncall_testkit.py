"""Builders shared by the on-call schedule, hand-off and calendar-feed tests (a plain
module: a second conftest.py would shadow tests/conftest.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from ticketing.directory import add_technician
from ticketing.models import Technician
from ticketing.oncall.models import Rotation
from ticketing.oncall.roster import on_call, set_rotation

NY = ZoneInfo("America/New_York")
TEAM = (
    ("Dana Whitfield", "+13365550101"),
    ("Luis Romero", "+13365550102"),
    ("Priya Nair", "+13365550103"),
)


def add_team(session: Session) -> dict[str, Technician]:
    """Dana, Luis and Priya, keyed by first name."""
    return {name.split()[0].lower(): add_technician(session, name, phone) for name, phone in TEAM}


def add_rotation(
    session: Session,
    name: str,
    members: str,
    *,
    handoff: str = "Mon 08:00",
    starts: str = "2026-12-07",
    days: int = 7,
    role: str = "primary",
    timezone: str = "America/New_York",
) -> Rotation:
    """A rotation of the comma-separated `members`, first hand-off on `starts` (on the wall
    clock of `timezone`)."""
    return set_rotation(
        session,
        name,
        role=role,
        members=members.split(","),
        handoff=handoff,
        starts=date.fromisoformat(starts),
        shift_days=days,
        today=date(2026, 1, 1),
        timezone=timezone,
    )


def who(session: Session, at: datetime, role: str = "primary") -> str | None:
    """The first name of whoever holds `role` at `at` (None for nobody)."""
    tech = on_call(session, at, role)
    return tech.name.split()[0] if tech else None


def utc(text_moment: str) -> datetime:
    """A "YYYY-MM-DD HH:MM" moment in UTC."""
    return datetime.strptime(text_moment, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
