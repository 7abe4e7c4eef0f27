"""Voice pages from the ticket's side: which page a call is, voicemail, and keys pressed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from ivr.pages import PageView
from ivr.phones import national
from ticketing.event_kinds import EventKind
from ticketing.models import (
    OutboxChannel,
    OutboxKind,
    OutboxMessage,
    ServiceClass,
    Technician,
    Ticket,
)
from ticketing.paging.actions import Action, holder_name, perform
from ticketing.paging.delivery import page_failed
from ticketing.timeline import add_event

VIA = "voice page"
VOICEMAIL = "voicemail"


@dataclass(frozen=True)
class PageCall:
    """A voice page being answered: the outbox row, its ticket and its technician."""

    page: OutboxMessage
    ticket: Ticket
    tech: Technician


def page_call(session: Session, page_id: int) -> PageCall | None:
    """The voice page with that outbox id, or None when it (or its ticket) is gone."""
    page = session.get(OutboxMessage, page_id)
    if page is None or page.channel != OutboxChannel.CALL or page.kind != OutboxKind.PAGE:
        return None
    ticket = session.get(Ticket, page.ticket_id) if page.ticket_id is not None else None
    tech = session.get(Technician, page.technician_id) if page.technician_id is not None else None
    if ticket is None or tech is None:
        return None
    return PageCall(page, ticket, tech)


def page_view(call: PageCall, firm_name: str) -> PageView:
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
    )


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
    """A machine answered: a voicemail is no acknowledgement, so escalate as for no answer."""
    page = call.page
    if page.delivery_status == VOICEMAIL:
        return
    page.delivery_status = VOICEMAIL
    add_event(
        session,
        call.ticket.id,
        EventKind.PAGE_FAILED,
        f"Voice page to {call.tech.name} ({national(page.to_number)}) reached voicemail: "
        "a short message was left.",
        at=now,
    )
    page_failed(session, page, now=now, reason=VOICEMAIL)


def press(session: Session, call: PageCall, action: str, *, now: datetime) -> bool:
    """Do what a key asks ("ack", "resolve", "escalate"); True when it took effect."""
    return perform(session, Action(action), call.ticket, call.tech, now=now, via=VIA)
