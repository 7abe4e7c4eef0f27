"""What the console's forms share: the acting staff user, technicians to pick, and local
date-times typed into <input type="datetime-local"> (business time zone in, UTC out)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal_web.access import me
from portal_web.console.blueprint import console
from portal_web.context import business_tz
from ticketing.errors import DomainError
from ticketing.models import Technician
from ticketing.service_requests.checks import active_technician
from ticketing.wallclock import local_instant

LOCAL_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S")
MAX_TEXT = 2000


def staff_name() -> str:
    """The logged-in staff user as the timeline names them."""
    user = me()
    return (user.name or user.email)[:120]


def technicians(session: Session) -> list[Technician]:
    """Active technicians by name (the choices of every "as technician" select)."""
    stmt = select(Technician).where(Technician.active.is_(True)).order_by(Technician.name)
    return list(session.scalars(stmt))


def technician_from(session: Session, raw: str | None) -> Technician:
    """The active technician a form names, or a DomainError to show."""
    name = (raw or "").strip()
    if not name:
        raise DomainError("choose a technician")
    return active_technician(session, name)


def parse_local(raw: str | None, what: str = "the start") -> datetime:
    """A wall-clock time in the business zone as a UTC instant (DST gaps by zoneinfo)."""
    text = (raw or "").strip()
    for fmt in LOCAL_FORMATS:
        try:
            naive = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return local_instant(naive, business_tz())
    raise DomainError(f"{what} must be a date and time like 2026-12-07 09:00")


def local_input(moment: datetime | None) -> str:
    """A UTC moment as the value of a datetime-local input on the business wall clock."""
    if moment is None:
        return ""
    return moment.astimezone(business_tz()).strftime("%Y-%m-%dT%H:%M")


def text_field(raw: str | None, what: str, *, required: bool = True, limit: int = MAX_TEXT) -> str:
    """Trimmed free text, refused when empty (if required) or too long."""
    text = (raw or "").strip()
    if required and not text:
        raise DomainError(f"{what} is required")
    if len(text) > limit:
        raise DomainError(f"{what} is too long (at most {limit} characters)")
    return text


@console.app_template_filter("local_input")
def local_input_filter(moment: datetime | None) -> str:
    """Jinja: a UTC moment as a datetime-local input's value."""
    return local_input(moment)
