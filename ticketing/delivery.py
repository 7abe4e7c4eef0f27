"""What Twilio tells us about pages after sending: delivered, or failed and why."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing.models import OutboxMessage
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


def record_delivery(
    session: Session, message_sid: str, status: str, error_code: str | None, *, now: datetime
) -> OutboxMessage | None:
    """Apply an SMS status callback to the page it is about; stale statuses are ignored."""
    message = session.scalar(select(OutboxMessage).where(OutboxMessage.provider_sid == message_sid))
    status = status.strip().lower()
    if message is None or status not in _RANK:
        return None
    current = message.delivery_status
    if current is not None and _RANK[status] <= _RANK.get(current, -1):
        return message
    message.delivery_status = status
    if error_code:
        message.error_code = error_code[:16]
    if message.ticket_id is None:
        return message
    if status in FAILED:
        code = f" (error {error_code})" if error_code else ""
        text = f"SMS to {message.to_number} was not delivered: {status}{code}."
        add_event(session, message.ticket_id, "page_failed", text, at=now)
    elif status == "delivered":
        text = f"SMS page delivered to {message.to_number}."
        add_event(session, message.ticket_id, "page_delivered", text, at=now)
    return message
