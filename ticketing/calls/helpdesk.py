"""The help-desk queue as rows: who waits, how long it will take, who took them, how it ended.

Twilio holds the real queue; a `QueueEntry` per call keeps what the firm needs to know
(client, caller, time queued, wait, technician, outcome) next to the ticket timeline.
Every function takes the caller's session, commits nothing and is safe to run twice.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from math import ceil
from statistics import mean

from sqlalchemy import select
from sqlalchemy.orm import Session

from ivr.calendar import BusinessCalendar
from ivr.queue import QueuePaths
from ticketing.calls.intake import complete_intake
from ticketing.calls.models import QueueEntry, QueueOutcome
from ticketing.directory import technician_by_name
from ticketing.errors import DomainError, NotFound
from ticketing.event_kinds import EventKind
from ticketing.models import (
    Call,
    OutboxChannel,
    OutboxKind,
    OutboxMessage,
    OutboxStatus,
    Technician,
    Ticket,
)
from ticketing.people.availability import start_session
from ticketing.timeline import add_event

# Twilio's QueueResult → how the caller's time in the queue ended.
QUEUE_RESULTS = {
    "bridged": QueueOutcome.ANSWERED,
    "redirected-from-bridged": QueueOutcome.ANSWERED,
    "leave": QueueOutcome.MESSAGE,
    "hangup": QueueOutcome.HUNG_UP,
}
# Without history, a help-desk session is assumed to keep a technician this long.
DEFAULT_SECONDS_PER_CALLER = 10 * 60
RECENT_SESSIONS = 20
HISTORY = timedelta(days=30)


def entry_for(session: Session, call_sid: str) -> QueueEntry | None:
    """The queue entry of that call, if it ever joined the queue."""
    return session.scalar(select(QueueEntry).where(QueueEntry.call_sid == call_sid))


def join_queue(session: Session, call: Call, *, now: datetime) -> QueueEntry:
    """Put the call's ticket in the help-desk queue (once per call)."""
    entry = entry_for(session, call.call_sid)
    if entry is not None:
        return entry
    entry = QueueEntry(call_sid=call.call_sid, ticket_id=call.ticket_id, queued_at=now)
    session.add(entry)
    add_event(
        session, call.ticket_id, EventKind.HELPDESK_QUEUE, "Queued for the help desk.", at=now
    )
    session.flush()
    return entry


def waiting(session: Session) -> list[QueueEntry]:
    """Callers still in the queue, first come first."""
    stmt = (
        select(QueueEntry)
        .join(Call, Call.call_sid == QueueEntry.call_sid)
        # A call that ended without its Enqueue action reaching us is not waiting either,
        # unless the caller hung up to be called back, keeping their place.
        .where(
            QueueEntry.outcome.is_(None),
            Call.ended_at.is_(None) | QueueEntry.callback_number.is_not(None),
        )
        .order_by(QueueEntry.queued_at, QueueEntry.id)
    )
    return list(session.scalars(stmt))


def position_of(session: Session, call_sid: str) -> int:
    """The caller's place in line by our rows (when Twilio's QueuePosition is missing)."""
    sids = [entry.call_sid for entry in waiting(session)]
    return sids.index(call_sid) + 1 if call_sid in sids else len(sids) + 1


def seconds_per_caller(session: Session, now: datetime) -> int:
    """How long each caller ahead keeps a technician: recent answered sessions, else
    recent waits, else the default."""
    # A drill's session is a rehearsal: it says nothing of how long real callers keep anyone.
    real = select(Ticket.id).where(Ticket.drill.is_(False))
    recent = (
        QueueEntry.outcome == QueueOutcome.ANSWERED,
        QueueEntry.queued_at >= now - HISTORY,
        QueueEntry.ticket_id.in_(real),
    )
    rows = session.execute(
        select(QueueEntry.left_at, Call.ended_at)
        .join(Call, Call.call_sid == QueueEntry.call_sid)
        .where(*recent, QueueEntry.left_at.is_not(None), Call.ended_at.is_not(None))
        .order_by(QueueEntry.left_at.desc())
        .limit(RECENT_SESSIONS)
    ).all()
    lengths = [(ended - left).total_seconds() for left, ended in rows if ended > left]
    if not lengths:
        waits = session.scalars(
            select(QueueEntry.wait_seconds)
            .where(*recent, QueueEntry.wait_seconds.is_not(None))
            .order_by(QueueEntry.queued_at.desc())
            .limit(RECENT_SESSIONS)
        ).all()
        lengths = [float(w) for w in waits if w is not None]
    if not lengths:
        return DEFAULT_SECONDS_PER_CALLER
    return round(mean(lengths))


def estimated_wait(
    session: Session, position: int, now: datetime, technicians: int = 1, free: int = 0
) -> int:
    """Seconds until a technician is free for the caller at `position`, with `technicians`
    on the help desk taking callers side by side (none counts as one: someone will come),
    `free` of them free now: a caller within that many of the front is being rung for."""
    if max(position, 1) <= free:
        return 0
    # Number 1 is next, but still waits for a technician to finish a session.
    rounds = ceil((max(position, 1) - free) / max(technicians, 1))
    return rounds * seconds_per_caller(session, now)


def _duration(seconds: int | None) -> str:
    if seconds is None:
        return "an unknown time"
    if seconds < 60:
        return f"{seconds} s"
    return f"{round(seconds / 60)} min"


def close_for_the_day(
    session: Session, entry: QueueEntry, wait_seconds: int | None, *, now: datetime
) -> None:
    """Closing time found the caller waiting: they leave the queue to leave a message."""
    if entry.leave(QueueOutcome.CLOSED, now, wait_seconds):
        text = (
            f"Still waiting at closing time after {_duration(entry.wait_seconds)}: "
            "offered a message and a call back."
        )
        add_event(session, entry.ticket_id, EventKind.HELPDESK_QUEUE, text, at=now)


def answer(
    session: Session,
    call_sid: str,
    technician_id: int,
    *,
    capped: bool,
    wait_seconds: int | None,
    now: datetime,
) -> bool:
    """A technician dequeued the caller: record who, after how long, and whether capped."""
    entry = entry_for(session, call_sid)
    tech = session.get(Technician, technician_id)
    if entry is None or tech is None or not entry.leave(QueueOutcome.ANSWERED, now, wait_seconds):
        return False
    entry.technician_id, entry.capped = tech.id, capped
    start_session(tech, now=now)
    text = f"Answered by {tech.name} after {_duration(entry.wait_seconds)} in the queue."
    if capped:
        text += " The session is limited to 30 minutes (high call volume)."
    add_event(session, entry.ticket_id, EventKind.HELPDESK_ANSWERED, text, at=now, actor=tech.name)
    call = session.get(Call, call_sid)
    if call is not None:
        complete_intake(session, call, now=now, how=f"answered by {tech.name} (help desk)")
    return True


def session_capped(session: Session, busy_queue: int) -> bool | None:
    """For a technician about to take the next caller: None when nobody is waiting, else
    whether the session is capped at 30 minutes (the queue is busy right now)."""
    count = len(waiting(session))
    if count == 0:
        return None
    return count >= busy_queue


def _ended_text(outcome: QueueOutcome, result: str, wait: str) -> str:
    if outcome == QueueOutcome.MESSAGE:
        return f"Left the help-desk queue after {wait} to leave a message."
    if outcome == QueueOutcome.HUNG_UP:
        return f"Hung up after {wait} in the help-desk queue."
    if outcome == QueueOutcome.ANSWERED:
        return f"Help-desk session ended (queued {wait})."
    return f"The help-desk queue failed ({result or 'no result'}) after {wait}: taking a message."


def leave_queue(
    session: Session, call: Call, result: str, wait_seconds: int | None, *, now: datetime
) -> QueueOutcome | None:
    """Apply the Enqueue action's QueueResult; the outcome that holds (an earlier one wins),
    or None for a caller who hung up to be called back (still in line)."""
    entry = join_queue(session, call, now=now)
    if entry.outcome is None and entry.callback_number is not None:
        complete_intake(session, call, now=now, how="help desk (call back, place kept)")
        return None
    outcome = QUEUE_RESULTS.get(result, QueueOutcome.ERROR)
    if entry.leave(outcome, now, wait_seconds):
        text = _ended_text(outcome, result, _duration(entry.wait_seconds))
        add_event(session, entry.ticket_id, EventKind.HELPDESK_QUEUE, text, at=now)
    if result == "hangup" or entry.outcome == QueueOutcome.ANSWERED:
        # Nothing more will come from this caller: the ticket is finished as it stands.
        complete_intake(session, call, now=now, how=f"help desk ({entry.outcome})")
    return entry.outcome or outcome


def caller_gone(session: Session, call_sid: str, *, now: datetime) -> bool:
    """The call ended while its caller was still in line and no Enqueue action said so:
    the caller hung up, leaves the queue and no longer counts as waiting (True if so)."""
    entry = entry_for(session, call_sid)
    # A caller who hung up to be called back keeps their place in line.
    if entry is None or entry.callback_number is not None:
        return False
    if not entry.leave(QueueOutcome.HUNG_UP, now, None):
        return False
    text = _ended_text(QueueOutcome.HUNG_UP, "hangup", _duration(entry.wait_seconds))
    add_event(session, entry.ticket_id, EventKind.HELPDESK_QUEUE, text, at=now)
    return True


def call_on_its_way(session: Session, tech: Technician) -> bool:
    """Whether a help-desk call to `tech` is owed and not placed yet."""
    found = session.scalar(
        select(OutboxMessage.id).where(
            OutboxMessage.kind == OutboxKind.HELPDESK,
            OutboxMessage.technician_id == tech.id,
            OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.SENDING)),
        )
    )
    return found is not None


def _already_calling(session: Session, tech: Technician, key: str) -> bool:
    """A call to `tech` not placed yet, or this very request made before."""
    made = session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key))
    return made is not None or call_on_its_way(session, tech)


def desk_technician(session: Session, technician_name: str) -> Technician:
    """The active technician of that name, to take a help-desk caller (else refused)."""
    tech = technician_by_name(session, technician_name)
    if tech is None:
        raise NotFound(f"no technician named {technician_name!r}")
    if not tech.active:
        raise DomainError(f"{tech.name} is not an active technician")
    return tech


def request_next(
    session: Session, technician_name: str, *, now: datetime
) -> tuple[Technician, int, OutboxMessage | None]:
    """Owe a call to the technician that bridges them to the next caller: (technician,
    callers waiting, the outbox row; None when such a call is already on its way)."""
    tech = desk_technician(session, technician_name)
    count = len(waiting(session))
    if count == 0:
        raise DomainError("nobody is waiting in the help-desk queue")
    # One row per request: the same technician may take caller after caller.
    key = f"helpdesk:{tech.id}:{now:%Y%m%dT%H%M%S}"
    if _already_calling(session, tech, key):
        return tech, count, None
    row = ring_technician(
        session, tech, key=key, path=QueuePaths.BRIDGE.format(technician_id=tech.id), now=now
    )
    return tech, count, row


def ring_technician(
    session: Session, tech: Technician, *, key: str, path: str, now: datetime
) -> OutboxMessage:
    """Queue a help-desk call to `tech` whose answer fetches its TwiML at `path`."""
    row = OutboxMessage(
        dedupe_key=key,
        technician_id=tech.id,
        kind=OutboxKind.HELPDESK,
        channel=OutboxChannel.CALL,
        to_number=tech.phone,
        # The relay prefixes PUBLIC_BASE_URL to the path.
        body=path,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def today_counts(session: Session, calendar: BusinessCalendar, now: datetime) -> Counter[str]:
    """How today's (business time zone) queue entries ended, by outcome (drills left out)."""
    local = calendar.to_local(now)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    outcomes = session.scalars(
        select(QueueEntry.outcome)
        .join(Ticket, Ticket.id == QueueEntry.ticket_id)
        .where(
            QueueEntry.queued_at >= midnight,
            QueueEntry.outcome.is_not(None),
            Ticket.drill.is_(False),
        )
    )
    return Counter(o for o in outcomes if o is not None)
