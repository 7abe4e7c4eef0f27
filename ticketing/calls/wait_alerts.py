"""Staff alerts about help-desk callers waiting too long while no technician is free.

A caller who has waited longer than the firm's limit while no technician is available (all
away or in sessions) is texted to the managers (or, without managers, every active
technician), once per caller: someone can come free or call them back.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing.calls.helpdesk import waiting
from ticketing.calls.models import QueueEntry
from ticketing.event_kinds import EventKind
from ticketing.models import OutboxKind, OutboxMessage, Technician
from ticketing.outbox import enqueue_sms
from ticketing.people.availability import available_technicians
from ticketing.timeline import add_event

KEY_PREFIX = "helpdesk-wait:{entry_id}:"


def alert_recipients(session: Session) -> list[Technician]:
    """Who hears about a long wait: the active managers, else every active technician."""
    active = select(Technician).where(Technician.active.is_(True)).order_by(Technician.id)
    managers = list(session.scalars(active.where(Technician.is_manager.is_(True))))
    return managers or list(session.scalars(active))


def _alerted(session: Session, entry: QueueEntry) -> bool:
    prefix = KEY_PREFIX.format(entry_id=entry.id)
    found = select(OutboxMessage.id).where(OutboxMessage.dedupe_key.startswith(prefix))
    return session.scalar(found.limit(1)) is not None


def alert_text(entry: QueueEntry, minutes: int, waiting_count: int) -> str:
    """The text staff get: who waits, on which ticket, how long, and how many in all."""
    who = entry.ticket.client.name if entry.ticket.client else "An unknown caller"
    return (
        f"HELP DESK WAIT: {who} (ticket #{entry.ticket.number}) has waited {minutes} min "
        f"and no technician is available. {waiting_count} waiting in all."
    )


def alert_long_waits(session: Session, now: datetime, *, after: timedelta) -> int:
    """Scheduler sweep: text staff about each caller waiting longer than `after` with no
    technician available, once per caller; how many callers were alerted about."""
    if after <= timedelta(0) or available_technicians(session):
        return 0
    staff = alert_recipients(session)
    queue = waiting(session) if staff else []
    alerted = 0
    for entry in queue:
        waited = now - entry.queued_at
        if waited <= after or _alerted(session, entry):
            continue
        minutes = int(waited.total_seconds() // 60)
        body = alert_text(entry, minutes, len(queue))
        for tech in staff:
            key = KEY_PREFIX.format(entry_id=entry.id) + str(tech.id)
            enqueue_sms(session, entry.ticket, tech, body, key=key, now=now, kind=OutboxKind.ALERT)
        names = ", ".join(tech.name for tech in staff)
        text = f"Waited {minutes} min with no technician available: texted {names}."
        add_event(session, entry.ticket_id, EventKind.HELPDESK_QUEUE, text, at=now)
        alerted += 1
    return alerted
