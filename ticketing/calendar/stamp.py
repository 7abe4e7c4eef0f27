"""The calendar's stamp: a new random token in the transaction of every edit of its tables.

Every call's first webhook classifies the moment, which needs the staff's calendar edits
and the holiday policy. A process keeps the calendar it built under the stamp it read;
reading the stamp (folded into a statement the call needs anyway) tells it whether an
edit has been committed since. The token is random, not a counter: an edit rolled back
must never leave a process holding a calendar under a stamp another edit later commits.
"""

from __future__ import annotations

import uuid
from itertools import chain
from typing import Any

from sqlalchemy import ScalarSelect, event, select, update
from sqlalchemy.orm import Session

from ticketing.calendar.models import CalendarDay, CalendarStamp, HolidayRule

THE_ROW = 1
_EDITED = (CalendarDay, HolidayRule)


def new_stamp() -> str:
    """A token no process has seen."""
    return uuid.uuid4().hex


def stamp_now() -> ScalarSelect[str]:
    """The current stamp, as a scalar subquery to fold into another statement."""
    return select(CalendarStamp.stamp).where(CalendarStamp.id == THE_ROW).scalar_subquery()


def current_stamp(session: Session) -> str | None:
    """The current stamp (None on a database built without the row: never cached)."""
    return session.scalar(select(stamp_now()))


@event.listens_for(Session, "before_flush")
def _restamp(session: Session, _context: Any, _instances: Any) -> None:
    changed = chain(session.new, session.dirty, session.deleted)
    if not any(isinstance(obj, _EDITED) for obj in changed):
        return
    # On the connection, not the session: a session statement would autoflush mid-flush.
    session.connection().execute(
        update(CalendarStamp).where(CalendarStamp.id == THE_ROW).values(stamp=new_stamp())
    )
