"""What the burst left behind: tickets, pages and texts, counted in the database and in
the fake Twilio API's ledger, so that "nothing lost, nothing doubled" is a measurement."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from bench.calls.callers import CallRecord
from bench.calls.seed import Technician
from intake.db import Database
from scheduler.bundling import SEPARATOR
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
# A bundle's head, "3 EMERGENCIES: " (scheduler/bundling.py); its parts are joined by SEPARATOR.
_BUNDLE_HEAD = re.compile(r"\d+ (?:EMERGENCIES|MESSAGES): ")
OWED = (OutboxStatus.PENDING, OutboxStatus.SENDING)


def ticket_numbers_in(body: str) -> set[int]:
    """Every ticket number a text names, ranges expanded."""
    named: set[int] = set()
    for first, last in _TICKET.findall(body):
        named.update(range(int(first), int(last or first) + 1))
    return named


def paged_numbers_in(body: str) -> set[int]:
    """The tickets a text pages for: a page's own number (its first), each bundled part's,
    or every number of a bundle cut down to ranges; not the tickets a page only mentions,
    such as the lead of the escalation a ticket joined ("Joins #1042")."""
    head = _BUNDLE_HEAD.match(body)
    if head is None:
        parts = [body]
    elif SEPARATOR in body:
        parts = body[head.end() :].split(SEPARATOR)
    else:
        return ticket_numbers_in(body)  # ranges only: every number is a ticket paged for
    firsts = (_TICKET.search(part) for part in parts)
    return {int(found.group(1)) for found in firsts if found is not None}


@dataclass(frozen=True)
class BurstCounts:
    """The burst's outcome, counted."""

    calls: int
    tickets: int  # distinct tickets the burst's CallSids opened
    duplicate_tickets: int  # phone tickets opened during the burst that no call points at
    numbers_heard: int  # calls that heard the number of their own ticket
    paged: int  # tickets whose first pages were sent and reached Twilio
    held: int  # tickets with a first page still owed (held back by pacing), none lost
    lost: int  # no call row, no page owed, page failed, or "sent" but never at Twilio
    texts: int  # texts to the on-call technician paging for the burst's tickets
    largest_bundle: int  # the most of them one text paged for
    doubled_pages: int  # tickets paged for by more than one text to one phone


@dataclass(frozen=True)
class FirstPage:
    """One first page of a ticket, as the outbox holds it."""

    status: str
    to_number: str
    sid: str | None


def _first_pages(session: Session, ticket_ids: Sequence[int]) -> dict[int, list[FirstPage]]:
    """Ticket -> its first SMS pages: step 0 of its own escalation or, for a ticket that
    joined its company's running escalation, the texts telling whoever that one paged."""
    own = and_(Ticket.joined_to_id.is_(None), OutboxMessage.escalation_step == 0)
    joining = and_(Ticket.joined_to_id.is_not(None), OutboxMessage.escalation_step.is_(None))
    stmt = (
        select(
            OutboxMessage.ticket_id,
            OutboxMessage.status,
            OutboxMessage.to_number,
            OutboxMessage.provider_sid,
        )
        .join(Ticket, Ticket.id == OutboxMessage.ticket_id)
        .where(
            OutboxMessage.ticket_id.in_(ticket_ids),
            OutboxMessage.kind == OutboxKind.PAGE,
            OutboxMessage.channel == OutboxChannel.SMS,
            or_(own, joining),
        )
    )
    pages: dict[int, list[FirstPage]] = {}
    for ticket_id, status, to_number, sid in session.execute(stmt):
        pages.setdefault(ticket_id, []).append(FirstPage(status, to_number, sid))
    return pages


def _texts(ledger: Sequence[Mapping[str, object]]) -> list[Mapping[str, object]]:
    return [entry for entry in ledger if entry.get("kind") == "sms"]


def reached_twilio(
    page: FirstPage, ticket: int, by_sid: Mapping[str, Mapping[str, object]]
) -> bool:
    """Twilio took a text with the page's SID, to its phone, paging for its ticket."""
    entry = by_sid.get(page.sid or "")
    return (
        entry is not None
        and entry.get("To") == page.to_number
        and ticket in paged_numbers_in(str(entry.get("Body", "")))
    )


def page_outcome(
    ticket: int, pages: Sequence[FirstPage], by_sid: Mapping[str, Mapping[str, object]]
) -> str:
    """paged, held (a page still owed) or lost (none owed, one failed or never at Twilio)."""
    if not pages:
        return "lost"
    for page in pages:
        if page.status == OutboxStatus.SENT and not reached_twilio(page, ticket, by_sid):
            return "lost"
        if page.status not in (OutboxStatus.SENT, *OWED):
            return "lost"
    return "held" if any(page.status in OWED for page in pages) else "paged"


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
    texts = _texts(ledger)
    text_by_sid = {str(entry.get("sid")): entry for entry in texts}
    paged_for = [
        (str(entry.get("To")), paged_numbers_in(str(entry.get("Body", ""))) & tickets)
        for entry in texts
    ]
    bundles = [len(here) for phone, here in paged_for if phone == technician.phone and here]
    named = Counter((phone, ticket) for phone, here in paged_for for ticket in here)
    outcomes = Counter(page_outcome(t, pages.get(t, []), text_by_sid) for t in tickets)
    return BurstCounts(
        calls=len(records),
        tickets=len(tickets),
        duplicate_tickets=stray,
        numbers_heard=sum(1 for r in records if r.ticket_number == by_sid.get(r.call_sid)),
        paged=outcomes["paged"],
        held=outcomes["held"],
        lost=outcomes["lost"] + (len(records) - len(by_sid)),
        texts=len(bundles),
        largest_bundle=max(bundles, default=0),
        doubled_pages=len({ticket for (_phone, ticket), n in named.items() if n > 1}),
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
