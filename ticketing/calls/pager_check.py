"""Before an emergency caller hears that the technician is being paged: is anything paging?"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from ticketing.event_kinds import EventKind
from ticketing.models import ServiceClass, Ticket
from ticketing.monitoring.heartbeat import STALE_AFTER, beat_age
from ticketing.timeline import add_event


def pager_silence(session: Session, ticket: Ticket, now: datetime) -> str | None:
    """How long the scheduler, which sends the pages, has been silent ("has never beaten",
    "last beat 75 s ago") when `ticket` is an emergency and it has not beaten for a minute:
    the caller must not be promised a page. None otherwise. One indexed query."""
    if ticket.service_class != ServiceClass.EMERGENCY:
        return None
    # Heartbeats are the scheduler's own rows: nothing this request has not written yet
    # changes the answer, so the writes are not flushed for it.
    with session.no_autoflush:
        age = beat_age(session, now)
    if age is not None and age <= STALE_AFTER.total_seconds():
        return None
    return "has never beaten" if age is None else f"last beat {age:.0f} s ago"


def note_pager_down(
    session: Session, ticket: Ticket, silence: str, now: datetime, forward_to: str | None
) -> None:
    """The staff line saying the caller was not told a page is on its way, and why."""
    then = (
        f"the call was forwarded to {forward_to}"
        if forward_to
        else "the caller was told to call again in a few minutes"
    )
    add_event(
        session,
        ticket.id,
        EventKind.PAGER_DOWN,
        f"The caller was not told a page is on its way: the scheduler {silence}; {then}. "
        "The pages wait in the outbox until it runs again.",
        at=now,
    )
