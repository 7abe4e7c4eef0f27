"""Drills: a rehearsed emergency (`intake drill call`) goes through the real call and paging
path, but says DRILL on every page and, with a page number, wakes only that phone.

A drill ticket is kept out of everything a client or another tool sees (the portal, the
reports, the billing run, the help-desk figures, the metrics, outbound webhooks); the
places that read tickets for those filter on `Ticket.drill` themselves.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ivr.phones import national
from ticketing.event_kinds import EventKind
from ticketing.models import OutboxKind, Technician, Ticket
from ticketing.outbox import enqueue_sms
from ticketing.paging.models import Escalation, EscalationStatus
from ticketing.timeline import add_event

PREFIX = "DRILL"


def note_drill(session: Session, ticket: Ticket, *, moment: datetime, now: datetime) -> None:
    """Say on a drill's timeline what it pretends (the local `moment`) and whom it pages."""
    page_to = ticket.drill_page_to
    who = f"pages go only to {national(page_to)}" if page_to else "the on-call rota is paged"
    add_event(
        session,
        ticket.id,
        EventKind.DRILL,
        f"DRILL call, as if at {moment:%a %Y-%m-%d %H:%M %Z}: {who}, each page marked DRILL; "
        "no client is told, billed or shown it.",
        at=now,
    )


def drilled(text: str, ticket: Ticket) -> str:
    """`text` as a page of `ticket` says it: prefixed DRILL for a drill."""
    return f"{PREFIX} {text}" if ticket.drill else text


def drill_recipients(session: Session, ticket: Ticket, now: datetime) -> list[Technician]:
    """Who a drill with its own page number pages at each step: the active technicians with
    that number. A number that is no technician's gets one DRILL text, and the escalation
    ends there (nobody at that number can acknowledge it)."""
    number = ticket.drill_page_to or ""
    found = list(
        session.scalars(select(Technician).where(Technician.phone == number, Technician.active))
    )
    if found:
        return found
    enqueue_sms(
        session,
        ticket,
        None,
        f"{PREFIX} EMERGENCY #{ticket.number}: a drill call reached the paging. Nothing to do.",
        key=f"drill:{ticket.id}:{number}",
        now=now,
        to_number=number,
        kind=OutboxKind.PAGE,
    )
    escalation = session.scalar(select(Escalation).where(Escalation.ticket_id == ticket.id))
    if escalation is None or not escalation.end(EscalationStatus.CANCELLED, now):
        return []
    add_event(
        session,
        ticket.id,
        EventKind.DRILL,
        f"DRILL: texted {national(number)}, which is no technician's number; the drill's "
        "paging ends there.",
        at=now,
    )
    return []
