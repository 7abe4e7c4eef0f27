"""Before an emergency caller hears that the technician is being paged: is anything paging?"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from ticketing.event_kinds import EventKind
from ticketing.models import ServiceClass, Ticket
from ticketing.monitoring.heartbeat import STALE_AFTER, beat_age
from ticketing.timeline import add_event


def pager_is_down(session: Session, ticket: Ticket, now: datetime, forward_to: str | None) -> bool:
    """True (and a staff line saying why) when `ticket` is an emergency and the scheduler,
    which sends its pages, has not beaten for a minute: the caller must not be promised a
    page. One indexed query."""
    if ticket.service_class != ServiceClass.EMERGENCY:
        return False
    age = beat_age(session, now)
    if age is not None and age <= STALE_AFTER.total_seconds():
        return False
    silent = "has never beaten" if age is None else f"last beat {age:.0f} s ago"
    then = (
        f"the call was forwarded to {forward_to}"
        if forward_to
        else "the caller was told to call again in a few minutes"
    )
    add_event(
        session,
        ticket.id,
        EventKind.PAGER_DOWN,
        f"The caller was not told a page is on its way: the scheduler {silent}; {then}. "
        "The pages wait in the outbox until it runs again.",
        at=now,
    )
    return True
