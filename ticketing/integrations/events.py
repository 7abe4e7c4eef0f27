"""Ticket events owed to webhook endpoints: which timeline lines are events, and the JSON
each endpoint receives (in the outbox, in the transaction of the transition).

A session listener, registered when this package is imported (the composition root does),
watches every timeline line flushed: the timeline belongs to the kernel, which may not
import a sub-domain, and every transition writes its line through it.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import event as orm_event
from sqlalchemy.orm import Session

from ticketing.event_kinds import EventKind, client_line
from ticketing.integrations.endpoints import active_endpoints
from ticketing.models import (
    Client,
    OutboxChannel,
    OutboxKind,
    OutboxMessage,
    Ticket,
    TicketEvent,
)
from ticketing.orm import utcnow

# One transition writes one of these lines, once: so each event is owed once.
EVENT_TYPES: dict[EventKind, str] = {
    EventKind.CALL_RECEIVED: "ticket.opened",
    EventKind.REQUEST_RECEIVED: "ticket.opened",
    EventKind.ACKNOWLEDGED: "ticket.acknowledged",
    EventKind.ESCALATION: "ticket.escalated",
    EventKind.RECLASSIFIED: "ticket.reclassified",
    EventKind.RESOLVED: "ticket.resolved",
}
# What a client's tools read when the line itself is for staff (it may name technicians).
PLAIN_WORDS = {
    "ticket.opened": "Ticket opened",
    "ticket.acknowledged": "A technician acknowledged the ticket",
    "ticket.escalated": "Escalated to the next technician",
    "ticket.reclassified": "Ticket reclassified",
    "ticket.resolved": "Ticket resolved",
}


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def payload(session: Session, ticket: Ticket, event: TicketEvent, event_type: str) -> dict:
    """The event as JSON data: the ticket's number, class, status, client and times, and
    the line a client would read; nothing about staff (no names' phone numbers)."""
    client = session.get(Client, ticket.client_id) if ticket.client_id else None
    summary = client_line(event.kind, event.audience, event.message, event.actor)
    return {
        "type": event_type,
        "timestamp": _when(event.at),
        "data": {
            "ticket": ticket.id,
            "class": str(ticket.service_class),
            "status": str(ticket.status),
            "client": {"name": client.name, "account": client.account_number} if client else None,
            "opened_at": _when(ticket.opened_at),
            "acknowledged_at": _when(ticket.acknowledged_at),
            "resolved_at": _when(ticket.resolved_at),
            "summary": summary or PLAIN_WORDS[event_type],
        },
    }


def owe_webhooks(session: Session, event: TicketEvent) -> list[OutboxMessage]:
    """Owe every active endpoint this line's event, if it is one (the caller commits)."""
    event_type = EVENT_TYPES.get(EventKind(event.kind))
    if event_type is None:
        return []
    endpoints = active_endpoints(session)
    ticket = session.get(Ticket, event.ticket_id)
    # A drill is a rehearsal of our own: another tool would take it for a real emergency.
    if not endpoints or ticket is None or ticket.drill:
        return []
    body = json.dumps(payload(session, ticket, event, event_type), separators=(",", ":"))
    # The line has no id before the flush: the event gets a name of its own, the
    # webhook-id every endpoint sees and every retry repeats.
    message_id = f"msg_{uuid.uuid4().hex}"
    at = event.at or utcnow()
    rows = []
    for endpoint in endpoints:
        row = OutboxMessage(
            dedupe_key=f"webhook:{endpoint.id}:{message_id}",
            kind=OutboxKind.WEBHOOK,
            channel=OutboxChannel.WEBHOOK,
            to_number=str(endpoint.id),
            to_address=endpoint.url,
            subject=message_id,
            body=body,
            next_attempt_at=at,
            created_at=at,
        )
        session.add(row)
        rows.append(row)
    return rows


@orm_event.listens_for(Session, "before_flush")
def _owe_for_new_lines(session: Session, _context: Any, _instances: Any) -> None:
    # Rows added before the flush go in with the line, in the same flush.
    lines = [o for o in session.new if isinstance(o, TicketEvent) and o.kind in EVENT_TYPES]
    for line in lines:
        owe_webhooks(session, line)
