"""What a service request must satisfy before anything is written (booking.py).

Every check raises a DomainError whose message can be shown as is to whoever filled in the
form; none of them writes to the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy.orm import Session

from ticketing.directory import technician_by_name
from ticketing.errors import DomainError, NotFound
from ticketing.models import Client, Contact, ServiceClass, Technician, TicketSource

MAX_DESCRIPTION = 4000
MAX_WINDOWS = 5
MAX_HOURS = Decimal(200)
# Further ahead than this is a typo (2062 for 2026), not a plan.
HORIZON = timedelta(days=365)
SOURCES = tuple(s.value for s in TicketSource)
CLASSES = tuple(c.value for c in ServiceClass)


@dataclass(frozen=True)
class CheckedRequest:
    """A request that passed every check, with its references looked up."""

    client: Client
    contact: Contact | None
    service_class: ServiceClass
    description: str
    technician: Technician | None
    windows: list[tuple[datetime, datetime]]  # UTC, earliest first
    hour_limit: Decimal | None
    requested_by: str
    source: TicketSource


def check_description(text: str | None) -> str:
    """The client's words, trimmed: not empty, at most MAX_DESCRIPTION characters."""
    words = (text or "").strip()
    if not words:
        raise DomainError("describe what you need: the description is empty")
    if len(words) > MAX_DESCRIPTION:
        raise DomainError(
            f"the description is {len(words)} characters long; "
            f"{MAX_DESCRIPTION} at most (attach the rest to the ticket later)"
        )
    return words


def _aware(moment: datetime, what: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise DomainError(f"{what} has no time zone: give times in the business time zone")
    return moment.astimezone(UTC)


def check_start(start: datetime, now: datetime, what: str = "the start") -> datetime:
    """A moment (UTC) that is not in the past and at most a year ahead."""
    start = _aware(start, what)
    if start < now:
        raise DomainError(f"{what} is in the past")
    if start > now + HORIZON:
        raise DomainError(f"{what} is more than a year ahead")
    return start


def check_windows(
    windows: Sequence[tuple[datetime, datetime]], now: datetime
) -> list[tuple[datetime, datetime]]:
    """Preferred time windows (UTC, sorted): each ends after it starts, none starts in the
    past or more than a year ahead, at most MAX_WINDOWS. None at all is fine."""
    if len(windows) > MAX_WINDOWS:
        raise DomainError(f"{len(windows)} time windows given; {MAX_WINDOWS} at most")
    checked = []
    for number, (start, end) in enumerate(windows, start=1):
        what = f"time window {number}" if len(windows) > 1 else "the time window"
        start = check_start(start, now, what)
        end = _aware(end, what)
        if end <= start:
            raise DomainError(f"{what} ends before it starts (or when it starts)")
        checked.append((start, end))
    return sorted(checked)


def check_hour_limit(value: object) -> Decimal | None:
    """A limit on hours: a number above 0 and at most MAX_HOURS, to the hundredth; or None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise DomainError("the hour limit must be a number of hours, e.g. 4 or 2.5")
    try:
        hours = Decimal(str(value).strip())
    except InvalidOperation:
        raise DomainError(
            f"the hour limit {value!r} is not a number of hours; e.g. 4 or 2.5"
        ) from None
    if not hours.is_finite():
        raise DomainError("the hour limit must be a number of hours, e.g. 4 or 2.5")
    if hours <= 0:
        raise DomainError("the hour limit must be more than 0 hours (or leave it out)")
    if hours > MAX_HOURS:
        raise DomainError(f"the hour limit is {MAX_HOURS} hours at most")
    if hours != hours.quantize(Decimal("0.01")):
        raise DomainError("give the hour limit to the hundredth of an hour at most, e.g. 2.25")
    return hours.quantize(Decimal("0.01"))


def active_technician(session: Session, name: str) -> Technician:
    """The active technician with that name (case-insensitive)."""
    tech = technician_by_name(session, name)
    if tech is None:
        # Quoted back to the form (the board's flash rides in the session cookie): cut.
        shown = name.strip() if len(name.strip()) <= 120 else name.strip()[:120] + "…"
        raise NotFound(f"no technician named {shown!r}")
    if not tech.active:
        raise DomainError(f"{tech.name} is not an active technician")
    return tech


def _client_and_contact(
    session: Session, client_id: int, contact_id: int | None
) -> tuple[Client, Contact | None]:
    client = session.get(Client, client_id)
    if client is None:
        raise NotFound(f"no client with id {client_id}")
    if contact_id is None:
        return client, None
    contact = session.get(Contact, contact_id)
    if contact is None or contact.client_id != client.id:
        raise NotFound(f"{client.name} has no contact with id {contact_id}")
    return client, contact


def _requested_by(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise DomainError("say who is asking: the requester's name is empty")
    if len(name) > 200:
        raise DomainError("the requester's name is longer than 200 characters")
    return name


def _emergency_takes_no_preferences(checked: CheckedRequest) -> None:
    if checked.service_class != ServiceClass.EMERGENCY:
        return
    if checked.technician or checked.windows or checked.hour_limit:
        # An emergency goes to whoever is on call, now; preferences would be silently lost.
        raise DomainError(
            "an emergency goes to the on-call technician at once: a preferred technician, "
            "time windows and an hour limit are for professional services"
        )


def check_request(
    session: Session,
    *,
    client_id: int,
    service_class: str,
    description: str,
    preferred_technician: str | None,
    windows: Sequence[tuple[datetime, datetime]],
    hour_limit: object,
    requested_by: str,
    contact_id: int | None,
    now: datetime,
    source: str,
) -> CheckedRequest:
    """Every check of a new request, in the order a form is read; nothing is written."""
    if service_class not in CLASSES:
        raise DomainError(f"unknown service class {service_class!r}; use {', '.join(CLASSES)}")
    if source not in SOURCES:
        raise DomainError(f"unknown source {source!r}; use {', '.join(SOURCES)}")
    client, contact = _client_and_contact(session, client_id, contact_id)
    name = (preferred_technician or "").strip()
    checked = CheckedRequest(
        client=client,
        contact=contact,
        service_class=ServiceClass(service_class),
        description=check_description(description),
        technician=active_technician(session, name) if name else None,
        windows=check_windows(windows, now),
        hour_limit=check_hour_limit(hour_limit),
        requested_by=_requested_by(requested_by),
        source=TicketSource(source),
    )
    _emergency_takes_no_preferences(checked)
    return checked
