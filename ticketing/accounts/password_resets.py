"""Forgotten passwords: the form queues the address, and the scheduler sends the links.

Looking the address up, creating a token and owing an email take measurably longer than
doing nothing, so a form that did them at once would answer faster for addresses with no
account, and anyone could list the firm's portal users by timing it. The form does the
same single insert for every address; the sweep does the rest a moment later.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ticketing.accounts.credentials import request_reset
from ticketing.accounts.models import PasswordResetRequest
from ticketing.firm import Firm

# Requests handled per sweep; a flood of them waits for the next sweeps instead of
# holding one transaction for long.
BATCH = 200


def queue_reset(session: Session, email: str, *, now: datetime) -> None:
    """Queue a reset link for `email` (normalized) whether or not it has an account."""
    session.add(PasswordResetRequest(email=email, requested_at=now))


def send_reset_links(session: Session, now: datetime, *, firm: Firm) -> int:
    """The sweep: email a reset link for each queued address that has an active account
    (request_reset's limits apply), then forget the requests; how many were handled."""
    stmt = (
        select(PasswordResetRequest)
        .order_by(PasswordResetRequest.id)
        .limit(BATCH)
        .with_for_update(skip_locked=True)
    )
    queued = list(session.scalars(stmt))
    for request in queued:
        request_reset(session, request.email, now=now, firm=firm)
    if queued:
        handled = [request.id for request in queued]
        session.execute(delete(PasswordResetRequest).where(PasswordResetRequest.id.in_(handled)))
    return len(queued)
