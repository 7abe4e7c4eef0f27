"""On-call rosters in a few words: the team, rotations of it, and who holds a role when."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from tests.support.people import DANA, LUIS, PRIYA
from ticketing.directory import add_technician
from ticketing.models import Technician
from ticketing.oncall.models import Rotation
from ticketing.oncall.roster import on_call, set_rotation

TEAM = (("Dana Whitfield", DANA), ("Luis Romero", LUIS), ("Priya Nair", PRIYA))


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
