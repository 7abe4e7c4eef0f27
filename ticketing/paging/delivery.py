"""What Twilio tells us about pages after sending: delivered, or failed and why."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing.event_kinds import EventKind
from ticketing.models import (
    OutboxChannel,
    OutboxKind,
    OutboxMessage,
    Technician,
    Ticket,
    TicketStatus,
)
from ticketing.outbox import enqueue_call
from ticketing.paging.escalation import escalate_now, escalation_of
from ticketing.timeline import add_event

# Callbacks can arrive out of order: a later rank never gives way to an earlier one.
_RANK = {
    "queued": 0,
    "accepted": 0,
    "scheduled": 0,
    "sending": 1,
    "sent": 2,
    "receiving": 2,
    "received": 3,
    "delivered": 3,
    "read": 4,
    "undelivered": 3,
    "failed": 3,
    "canceled": 3,
}
FAILED = {"undelivered", "failed", "canceled"}


def _sharing_sid(session: Session, sid: str) -> list[OutboxMessage]:
    # A bundled text carries several pages under one SID: a report is about all of them.
    if not sid:
        return []
    stmt = select(OutboxMessage).where(OutboxMessage.provider_sid == sid).order_by(OutboxMessage.id)
    return list(session.scalars(stmt))


def record_delivery(
    session: Session, message_sid: str, status: str, error_code: str | None, *, now: datetime
) -> list[OutboxMessage]:
    """Apply an SMS status callback to every page it is about; stale statuses are ignored."""
    status = status.strip().lower()
    if status not in _RANK:
        return []
    messages = _sharing_sid(session, message_sid)
    for message in messages:
        _apply_delivery(session, message, status, error_code, now)
    return messages


def _apply_delivery(
    session: Session, message: OutboxMessage, status: str, error_code: str | None, now: datetime
) -> None:
    current = message.delivery_status
    if current is not None and _RANK[status] <= _RANK.get(current, -1):
        return
    message.delivery_status = status
    if error_code:
        message.error_code = error_code[:16]
    if message.ticket_id is None:
        return
    if status in FAILED:
        code = f" (error {error_code})" if error_code else ""
        text = f"SMS to {message.to_number} was not delivered: {status}{code}."
        add_event(session, message.ticket_id, EventKind.PAGE_FAILED, text, at=now)
        page_failed(session, message, now=now, reason=f"{status}{code}")
    elif status == "delivered":
        text = f"SMS page delivered to {message.to_number}."
        add_event(session, message.ticket_id, EventKind.PAGE_DELIVERED, text, at=now)


CALL_FAILED = {"busy", "no-answer", "failed", "canceled"}
OPTED_OUT = "21610"


def record_call_outcome(
    session: Session, call_sid: str, status: str, *, now: datetime
) -> OutboxMessage | None:
    """A voice page's call ended: busy, unanswered or failed moves the escalation on at once
    (of every page the call rang for: voice pages due together share one call)."""
    found = [m for m in _sharing_sid(session, call_sid) if m.channel == OutboxChannel.CALL]
    status = status.strip().lower()
    if not found or not status:
        return None
    for message in found:
        if message.delivery_status in CALL_FAILED | {"completed", "voicemail"}:
            continue  # a final status already arrived: a late or repeated one changes nothing
        message.delivery_status = status[:16]
        if status in CALL_FAILED and message.ticket_id is not None:
            text = f"Voice page to {message.to_number}: {status}."
            add_event(session, message.ticket_id, EventKind.PAGE_FAILED, text, at=now)
            page_failed(session, message, now=now, reason=status)
    return found[0]


def page_failed(session: Session, message: OutboxMessage, *, now: datetime, reason: str) -> None:
    """A page could not reach its technician: text failed → ring them; call failed → next step.

    Nothing waits for the step timer when Twilio has already told us the page is lost.
    """
    if (
        message.kind != OutboxKind.PAGE
        or message.ticket_id is None
        or message.technician_id is None
    ):
        return
    ticket = session.get(Ticket, message.ticket_id)
    tech = session.get(Technician, message.technician_id)
    if ticket is None or tech is None or ticket.status != TicketStatus.OPEN:
        return
    if message.channel == OutboxChannel.SMS:
        if message.error_code == OPTED_OUT:
            tech.sms_opted_out = True
        call = enqueue_call(
            session,
            ticket,
            tech,
            key=f"{message.dedupe_key}:instead",
            now=now,
            step=message.escalation_step,
        )
        if call is not None:
            add_event(
                session,
                ticket.id,
                EventKind.PAGED,
                f"The text to {tech.name} did not get through ({reason}): calling instead.",
                at=now,
            )
        return
    escalation = escalation_of(session, ticket.id)
    latest = escalation.next_step - 1 if escalation else None
    # Only the newest step's failure pulls the next one forward; an old call ending late
    # must not skip a step that is already running.
    is_latest = message.escalation_step is not None and message.escalation_step == latest
    if is_latest and escalate_now(session, ticket, now=now):
        add_event(
            session,
            ticket.id,
            EventKind.ESCALATION,
            f"{tech.name} could not be reached by phone ({reason}): escalating now.",
            at=now,
        )
