"""A technician asks for the next help-desk caller (`intake helpdesk next`, the console's
board): the first one in line, whether still on hold or waiting to be called back.

A caller on hold is handed over by Twilio's queue (`<Dial><Queue>` takes its front); a
caller waiting for a call back is not in Twilio's queue at all, so they are offered to the
technician as the automatic path does: the technician's phone rings with the whisper first,
and 1 calls the caller back. Every function takes the caller's session and commits nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from ticketing.calls import helpdesk
from ticketing.calls.models import QueueEntry
from ticketing.calls.offers import is_live, offer_to, ringing_offers
from ticketing.errors import DomainError
from ticketing.models import OutboxMessage, Technician


@dataclass(frozen=True)
class NextCaller:
    """What a request for the next caller did."""

    technician: Technician
    waiting: int
    # The call owed to the technician; None when one is already on its way.
    row: OutboxMessage | None
    # The caller to be called back, when the first in line is not on hold.
    callback: QueueEntry | None = None

    @property
    def task(self) -> str:
        """What the technician is rung to do, in words ("take the next caller")."""
        if self.callback is None:
            return "take the next caller"
        return f"call back the next caller (ticket {self.callback.ticket.number})"


def first_in_line(session: Session) -> QueueEntry | None:
    """The first caller waiting who can be given to a technician: on hold, or waiting for a
    call back that no technician's phone is ringing for yet."""
    offered = {offer.entry_id for offer in ringing_offers(session)}
    line = helpdesk.waiting(session)
    return next((e for e in line if is_live(e) or e.id not in offered), None)


def take_next(session: Session, technician_name: str, *, now: datetime) -> NextCaller:
    """Ring the technician for the first caller in line (refused when nobody is waiting or
    every caller is already being offered to someone)."""
    tech = helpdesk.desk_technician(session, technician_name)
    count = len(helpdesk.waiting(session))
    if count == 0:
        raise DomainError("nobody is waiting in the help-desk queue")
    # The technician's phone is ringing with an offer already: that is their next caller.
    mine = next((o for o in ringing_offers(session) if o.technician_id == tech.id), None)
    if mine is not None:
        return NextCaller(tech, count, None, None if is_live(mine.entry) else mine.entry)
    entry = first_in_line(session)
    if entry is None:
        raise DomainError("every caller waiting is already being offered to a technician")
    if is_live(entry):
        tech, count, row = helpdesk.request_next(session, tech.name, now=now)
        return NextCaller(tech, count, row)
    if helpdesk.call_on_its_way(session, tech):
        return NextCaller(tech, count, None, entry)
    offer = offer_to(session, entry, tech, now)
    row = session.get(OutboxMessage, offer.outbox_id) if offer and offer.outbox_id else None
    return NextCaller(tech, count, row, entry)
