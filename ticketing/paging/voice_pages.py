"""Voice pages from the ticket's side: which page a call is, voicemail, and keys pressed.

One call may ring for several voice pages that fell due to one phone at once (the relay
points the others at it, scheduler/bundling.py): it reads how many are waiting, a
voicemail counts for all of them, and acknowledging takes them all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ivr.pages import PageView
from ivr.phones import national
from ticketing.event_kinds import EventKind
from ticketing.models import (
    OutboxChannel,
    OutboxKind,
    OutboxMessage,
    OutboxStatus,
    ServiceClass,
    Technician,
    Ticket,
    TicketStatus,
)
from ticketing.paging.actions import Action, holder_name, perform
from ticketing.paging.delivery import page_failed
from ticketing.paging.joining import joined_to
from ticketing.timeline import add_event

VIA = "voice page"
VOICEMAIL = "voicemail"


@dataclass(frozen=True)
class PageCall:
    """A voice page being answered: the outbox row, its ticket and its technician."""

    page: OutboxMessage
    ticket: Ticket
    tech: Technician
    # The other voice pages this call rings for, and the emergencies joined to its ticket.
    carried: tuple[OutboxMessage, ...] = ()
    joined: int = 0

    @property
    def pages(self) -> tuple[OutboxMessage, ...]:
        """Every voice page this call rings for, its own first."""
        return (self.page, *self.carried)

    def tickets(self, session: Session) -> list[Ticket]:
        """Every ticket this call rings for, its own first."""
        found = [self.ticket]
        for page in self.carried:
            ticket = session.get(Ticket, page.ticket_id) if page.ticket_id else None
            if ticket is not None and ticket not in found:
                found.append(ticket)
        return found


def page_call(session: Session, page_id: int) -> PageCall | None:
    """The voice page with that outbox id, or None when it (or its ticket) is gone."""
    page = session.get(OutboxMessage, page_id)
    if page is None or page.channel != OutboxChannel.CALL or page.kind != OutboxKind.PAGE:
        return None
    ticket = session.get(Ticket, page.ticket_id) if page.ticket_id is not None else None
    tech = session.get(Technician, page.technician_id) if page.technician_id is not None else None
    if ticket is None or tech is None:
        return None
    carried = session.scalars(
        select(OutboxMessage)
        .where(
            OutboxMessage.carried_by_id == page.id,
            OutboxMessage.status.in_((OutboxStatus.SENDING, OutboxStatus.SENT)),
        )
        .order_by(OutboxMessage.id)
    )
    return PageCall(page, ticket, tech, tuple(carried), len(joined_to(session, ticket)))


def page_view(session: Session, call: PageCall, firm_name: str) -> PageView:
    """The plain values the voice page's TwiML is built from."""
    ticket = call.ticket
    holder = ticket.acknowledged_by
    return PageView(
        page_id=call.page.id,
        firm_name=firm_name,
        ticket_number=ticket.number,
        client_name=ticket.client.name if ticket.client else None,
        description=ticket.description,
        has_recording=bool(ticket.recording_url),
        callback_number=ticket.callback_number,
        status=ticket.status,
        emergency=ticket.service_class == ServiceClass.EMERGENCY,
        holder=holder_name(ticket),
        mine=holder is not None and holder.id == call.tech.id,
        also=tuple(t.number for t in call.tickets(session)[1:] if _waiting_for(t, call.tech)),
        joined=call.joined,
        drill=ticket.drill,
    )


def _waiting_for(ticket: Ticket, tech: Technician) -> bool:
    """Still an emergency for this technician: nobody's yet, or already theirs."""
    if ticket.service_class != ServiceClass.EMERGENCY or ticket.status == TicketStatus.RESOLVED:
        return False
    return ticket.status == TicketStatus.OPEN or ticket.acknowledged_by_id == tech.id


def answered_by_person(session: Session, call: PageCall, *, now: datetime) -> None:
    """Note on the timeline that the technician picked up."""
    add_event(
        session,
        call.ticket.id,
        EventKind.PAGE_ANSWERED,
        f"{call.tech.name} answered the voice page.",
        at=now,
    )


def left_voicemail(session: Session, call: PageCall, *, now: datetime) -> None:
    """A machine answered: a voicemail is no acknowledgement, so escalate as for no answer
    (every page the call rang for)."""
    for page in call.pages:
        if page.delivery_status == VOICEMAIL or page.ticket_id is None:
            continue
        page.delivery_status = VOICEMAIL
        add_event(
            session,
            page.ticket_id,
            EventKind.PAGE_FAILED,
            f"Voice page to {call.tech.name} ({national(page.to_number)}) reached voicemail: "
            "a short message was left.",
            at=now,
        )
        page_failed(session, page, now=now, reason=VOICEMAIL)


def press(session: Session, call: PageCall, action: str, *, now: datetime) -> bool:
    """Do what a key asks ("ack", "resolve", "escalate"); True when it took effect.

    Acknowledging takes every emergency the call rang for; the other keys act on the
    ticket it read first.
    """
    if Action(action) is not Action.ACK:
        return perform(session, Action(action), call.ticket, call.tech, now=now, via=VIA)
    done = [
        perform(session, Action.ACK, ticket, call.tech, now=now, via=VIA)
        for ticket in call.tickets(session)
    ]
    return any(done)
