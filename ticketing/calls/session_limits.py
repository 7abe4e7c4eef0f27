"""The 30-minute limit of a capped help-desk session: the technician is warned two minutes
before Twilio ends the call (`<Dial timeLimit>`).

Twilio cannot speak into a bridged `<Dial>` without breaking the bridge, so the warning
is a text to the technician's phone, which they see on the call; the caller heard the
limit as the session began.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from ivr.queue import CAPPED_SESSION_SECONDS
from ticketing.calls.models import QueueEntry, QueueOutcome
from ticketing.event_kinds import EventKind
from ticketing.models import Call, OutboxKind
from ticketing.outbox import enqueue_sms
from ticketing.timeline import add_event

WARN_BEFORE = timedelta(minutes=2)
LIMIT = timedelta(seconds=CAPPED_SESSION_SECONDS)


def warning_text(entry: QueueEntry) -> str:
    """The technician's two-minute warning."""
    who = entry.ticket.client.name if entry.ticket.client else "an unknown caller"
    return (
        f"HELP DESK: 2 minutes left. Your session with {who} (ticket #{entry.ticket.number}) "
        "ends at 30 minutes because others are waiting."
    )


def warn_capped_sessions(session: Session, now: datetime) -> int:
    """Scheduler sweep: text the technician of each capped session two minutes before its
    end, once; how many were warned."""
    stmt = (
        select(QueueEntry)
        .join(Call, Call.call_sid == QueueEntry.call_sid)
        .where(
            QueueEntry.outcome == QueueOutcome.ANSWERED,
            QueueEntry.capped.is_(True),
            QueueEntry.session_ended_at.is_(None),
            QueueEntry.technician_id.is_not(None),
            Call.ended_at.is_(None),
            QueueEntry.left_at <= now - (LIMIT - WARN_BEFORE),
            # Past the limit Twilio has ended the call: a late warning would only confuse.
            QueueEntry.left_at > now - LIMIT,
        )
        .options(joinedload(QueueEntry.technician), joinedload(QueueEntry.ticket))
    )
    warned = 0
    for entry in session.scalars(stmt):
        tech = entry.technician
        key = f"helpdesk-cap:{entry.id}"
        row = enqueue_sms(
            session,
            entry.ticket,
            tech,
            warning_text(entry),
            key=key,
            now=now,
            kind=OutboxKind.NOTICE,
        )
        if row is None:
            continue
        text = f"Two minutes left of the 30-minute session: {tech.name} texted."
        add_event(session, entry.ticket_id, EventKind.HELPDESK_QUEUE, text, at=now)
        warned += 1
    return warned
