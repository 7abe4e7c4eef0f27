"""Whether a technician can take a help-desk caller: available, busy (in a session) or away.

Technicians say available or away themselves (SMS `AVAIL` / `AWAY`, the console, the CLI);
a help-desk session makes them busy and its end available again, unless they went away
meanwhile. `availability_since` orders the available: the one waiting longest is offered
the next caller.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ticketing.errors import DomainError
from ticketing.models import Availability, Technician

# What staff and technicians may choose; busy is the help desk's to set.
CHOOSABLE = (Availability.AVAILABLE, Availability.AWAY)


def _move(tech: Technician, to: Availability, now: datetime) -> bool:
    if tech.availability == to:
        return False
    tech.availability, tech.availability_since = to, now
    return True


def make_available(tech: Technician, *, now: datetime) -> bool:
    """The technician can take help-desk callers (True when this changed anything)."""
    if not tech.active:
        raise DomainError(f"{tech.name} is not an active technician")
    return _move(tech, Availability.AVAILABLE, now)


def make_away(tech: Technician, *, now: datetime) -> bool:
    """The technician takes no help-desk callers until available again."""
    return _move(tech, Availability.AWAY, now)


def choose(tech: Technician, value: str, *, now: datetime) -> bool:
    """Set what the technician chose ("available" or "away"), or a DomainError naming both."""
    wanted = value.strip().lower()
    if wanted == Availability.AVAILABLE:
        return make_available(tech, now=now)
    if wanted == Availability.AWAY:
        return make_away(tech, now=now)
    raise DomainError(f"{value!r} is not an availability: say available or away")


def start_session(tech: Technician, *, now: datetime) -> bool:
    """A help-desk session bridged the technician: busy until it ends."""
    return _move(tech, Availability.BUSY, now)


def end_session(tech: Technician, *, now: datetime) -> bool:
    """The session ended: a busy technician is available again (one who went away stays)."""
    if tech.availability != Availability.BUSY:
        return False
    if not tech.active:
        return _move(tech, Availability.AWAY, now)
    return _move(tech, Availability.AVAILABLE, now)


def available_technicians(session: Session) -> list[Technician]:
    """Active technicians free to take a help-desk caller, the one available longest first."""
    stmt = (
        select(Technician)
        .where(Technician.active.is_(True), Technician.availability == Availability.AVAILABLE)
        .order_by(Technician.availability_since.is_(None).desc(), Technician.availability_since)
        .order_by(Technician.id)
    )
    return list(session.scalars(stmt))


def on_help_desk(session: Session) -> int:
    """How many active technicians work the help desk now: free, or in a session."""
    stmt = select(func.count(Technician.id)).where(
        Technician.active.is_(True),
        Technician.availability.in_((Availability.AVAILABLE, Availability.BUSY)),
    )
    return session.scalar(stmt) or 0
