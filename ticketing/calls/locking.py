"""A call's ticket read afresh under a row lock, once per transaction.

Two webhooks of one call may run at once (the last IVR step and the hang-up callback, a
transcription and the page it completes): a webhook that changes the ticket reads it
`FOR UPDATE`, so the second waits for the first and sees what it wrote. Taking the lock
in the statement that loads the call costs nothing extra, and later steps of the same
transaction (completing the intake) know not to read the ticket again.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, SessionTransaction, contains_eager

from ticketing.models import Call, Ticket

# ticket id -> the transaction (or savepoint) that locked it.
_LOCKED = "calls_locked_tickets"


def call_for_update(session: Session, call_sid: str) -> Call | None:
    """The call with that CallSid, its ticket (with client and contact) read afresh and
    row-locked until the transaction ends: for a webhook that may change the ticket."""
    stmt = _locking(select(Call).join(Call.ticket).where(Call.call_sid == call_sid))
    call = session.scalars(
        stmt.options(contains_eager(Call.ticket).options(*_PEOPLE))
    ).one_or_none()
    if call is not None:
        _remember(session, call.ticket_id)
    return call


def locked_ticket(session: Session, call: Call) -> Ticket:
    """The call's ticket under a row lock, read afresh unless this transaction locked it."""
    if _holds(session, call.ticket_id):
        return call.ticket
    stmt = _locking(select(Ticket).where(Ticket.id == call.ticket_id))
    ticket = session.scalars(stmt.options(*_PEOPLE)).one()
    _remember(session, ticket.id)
    return ticket


# The client and contact come in the same statement, for what the ticket's pages say.
_PEOPLE = (contains_eager(Ticket.client), contains_eager(Ticket.contact))


def _locking(stmt: Select) -> Select:
    # Only the ticket's row is locked: PostgreSQL refuses FOR UPDATE on the nullable side
    # of an outer join, and the client's row is the company escalation's to lock.
    return (
        stmt.outerjoin(Ticket.client)
        .outerjoin(Ticket.contact)
        .with_for_update(of=Ticket)
        .execution_options(populate_existing=True)
    )


def _chain(session: Session) -> Iterator[SessionTransaction]:
    current = session.get_nested_transaction() or session.get_transaction()
    while current is not None:
        yield current
        current = current.parent  # type: ignore[assignment]


def _holds(session: Session, ticket_id: int) -> bool:
    # A savepoint rolled back releases the locks taken in it: only a transaction still
    # enclosing this moment counts.
    held: dict[int, SessionTransaction] = session.info.get(_LOCKED, {})
    locker = held.get(ticket_id)
    return locker is not None and any(t is locker for t in _chain(session))


def _remember(session: Session, ticket_id: int) -> None:
    current = list(_chain(session))
    held: dict[int, SessionTransaction] = session.info.get(_LOCKED, {})
    # Locks of transactions that ended are forgotten, so a long-lived session does not grow.
    kept = {t: tx for t, tx in held.items() if any(tx is c for c in current)}
    kept[ticket_id] = current[0]
    session.info[_LOCKED] = kept
