"""What the burst left behind: tickets, pages and texts, counted in the database and in
the fake Twilio API's ledger, so that "nothing lost, nothing doubled" is a measurement."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from bench.calls.callers import CallRecord
from bench.calls.seed import Technician
from intake.db import Database
from ticketing.models import (
    Call,
    OutboxChannel,
    OutboxKind,
    OutboxMessage,
    OutboxStatus,
    Ticket,
    TicketSource,
)

# Ticket numbers as pages and bundles write them: "EMERGENCY #1042: ...", "#1042 | #1043",
# and a big bundle's ranges "#1043-1992, #1995".
_TICKET = re.compile(r"#(\d+)(?:-(\d+))?\b")
OWED = (OutboxStatus.PENDING, OutboxStatus.SENDING)


def ticket_numbers_in(body: str) -> set[int]:
    """Every ticket number a text names, ranges expanded."""
    named: set[int] = set()
    for first, last in _TICKET.findall(body):
        named.update(range(int(first), int(last or first) + 1))
    return named


@dataclass(frozen=True)
class BurstCounts:
    """The burst's outcome, counted."""

    calls: int
    tickets: int  # distinct tickets the burst's CallSids opened
    duplicate_tickets: int  # phone tickets opened during the burst that no call points at
    numbers_heard: int  # calls that heard the number of their own ticket
    paged: int  # tickets whose first page was sent and reached Twilio
    held: int  # tickets whose first page is still owed (held back by pacing)
    lost: int  # no call row, no page owed, page failed, or "sent" but never at Twilio
    texts: int  # texts to the on-call technician naming the burst's tickets
    largest_bundle: int  # the most of them one text named
    doubled_pages: int  # tickets named by more than one of those texts


def _first_pages(session: Session, ticket_ids: Sequence[int]) -> dict[int, list[str]]:
    """Ticket -> statuses of its first-step SMS pages."""
    stmt = select(OutboxMessage.ticket_id, OutboxMessage.status).where(
        OutboxMessage.ticket_id.in_(ticket_ids),
        OutboxMessage.kind == OutboxKind.PAGE,
        OutboxMessage.channel == OutboxChannel.SMS,
        OutboxMessage.escalation_step == 0,
    )
    pages: dict[int, list[str]] = {}
    for ticket_id, status in session.execute(stmt):
        pages.setdefault(ticket_id, []).append(status)
    return pages


def _texts(ledger: Sequence[Mapping[str, object]], phone: str, tickets: set[int]) -> Counter[int]:
    """How many texts to `phone` named each of `tickets`."""
    named: Counter[int] = Counter()
    for entry in ledger:
        if entry.get("kind") == "sms" and entry.get("To") == phone:
            named.update(ticket_numbers_in(str(entry.get("Body", ""))) & tickets)
    return named


def _callless_tickets(session: Session, start: datetime, end: datetime) -> int:
    """Phone tickets opened in [start, end] that no call points at (a double of a call's
    ticket would be one: a CallSid has one call row, its primary key)."""
    stmt = select(func.count(Ticket.id)).where(
        Ticket.opened_at >= start,
        Ticket.opened_at <= end,
        Ticket.source == TicketSource.PHONE,
        ~select(Call.call_sid).where(Call.ticket_id == Ticket.id).exists(),
    )
    return session.scalar(stmt) or 0


def count_burst(
    database: Database,
    ledger: Sequence[Mapping[str, object]],
    records: Sequence[CallRecord],
    technician: Technician,
) -> BurstCounts:
    """Count the burst's tickets and pages in the database and the Twilio ledger."""
    sids = [r.call_sid for r in records]
    start = datetime.fromtimestamp(min(r.started_at for r in records), UTC) - timedelta(seconds=1)
    end = datetime.fromtimestamp(max(r.finished_at for r in records), UTC) + timedelta(seconds=1)
    with database.sessionmaker() as session:
        by_sid = dict(
            session.execute(
                select(Call.call_sid, Call.ticket_id).where(Call.call_sid.in_(sids))
            ).all()
        )
        tickets = set(by_sid.values())
        stray = _callless_tickets(session, start, end)
        pages = _first_pages(session, sorted(tickets))
    named = _texts(ledger, technician.phone, tickets)
    bundles = [
        len(named_here)
        for entry in ledger
        if entry.get("kind") == "sms"
        and entry.get("To") == technician.phone
        and (named_here := ticket_numbers_in(str(entry.get("Body", ""))) & tickets)
    ]
    paged = held = lost = 0
    for ticket in tickets:
        statuses = pages.get(ticket, [])
        if len(statuses) == 1 and statuses[0] == OutboxStatus.SENT and named[ticket]:
            paged += 1
        elif len(statuses) == 1 and statuses[0] in OWED:
            held += 1
        else:
            lost += 1
    return BurstCounts(
        calls=len(records),
        tickets=len(tickets),
        duplicate_tickets=stray,
        numbers_heard=sum(1 for r in records if r.ticket_number == by_sid.get(r.call_sid)),
        paged=paged,
        held=held,
        lost=lost + (len(records) - len(by_sid)),
        texts=len(bundles),
        largest_bundle=max(bundles, default=0),
        doubled_pages=sum(1 for n in named.values() if n > 1),
    )


@dataclass(frozen=True)
class Owed:
    """Pages of the burst not sent yet, and when the next of them may go."""

    count: int
    next_due: datetime | None  # None: nothing owed; a moment already past: one is due now


def pages_owed(database: Database, call_sids: Sequence[str]) -> Owed:
    """Pages of these calls' tickets not sent yet (pending, or being sent)."""
    stmt = (
        select(
            func.count(OutboxMessage.id),
            func.min(OutboxMessage.next_attempt_at),
            func.max(case((OutboxMessage.status == OutboxStatus.SENDING, 1), else_=0)),
        )
        .join(Call, Call.ticket_id == OutboxMessage.ticket_id)
        .where(
            Call.call_sid.in_(list(call_sids)),
            OutboxMessage.kind == OutboxKind.PAGE,
            OutboxMessage.status.in_(OWED),
        )
    )
    with database.sessionmaker() as session:
        count, earliest, sending = session.execute(stmt).one()
    if not count:
        return Owed(0, None)
    if sending or earliest is None:
        return Owed(count, datetime.now(UTC))
    return Owed(count, earliest)
