"""Waking the outbox relay: a PostgreSQL NOTIFY in the transaction that owes a row due now.

PostgreSQL delivers a notification when its transaction commits, and never for one rolled
back (a savepoint's included), so the relay is woken exactly when a page can be claimed.
SQLite has no such thing: there the relay's poll alone finds new rows.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, SessionTransaction

from ticketing.models import OutboxMessage

OUTBOX_CHANNEL = "intake_outbox"
# The transaction (or savepoint) that has already sent this session's notification.
_NOTIFIED = "outbox_wakeup_notified"


def due_at_once(row: OutboxMessage) -> bool:
    """Whether a new outbox row is due as soon as it is committed (not scheduled for later)."""
    due, created = row.next_attempt_at, row.created_at
    return due is None or created is None or due <= created


@event.listens_for(Session, "after_flush")
def _notify_new_rows(session: Session, _context: Any) -> None:
    if not any(isinstance(o, OutboxMessage) and due_at_once(o) for o in session.new):
        return
    # Innermost savepoint first: a notification sent inside one that is rolled back is lost,
    # so the enclosing transaction must be free to send its own.
    current = session.get_nested_transaction() or session.get_transaction()
    if current is None or _already_sent(session, current):
        return
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return
    connection.execute(select(func.pg_notify(OUTBOX_CHANNEL, "")))
    session.info[_NOTIFIED] = current


def _already_sent(session: Session, current: SessionTransaction) -> bool:
    sent: SessionTransaction | None = session.info.get(_NOTIFIED)
    while current is not None:
        if current is sent:
            return True
        current = current.parent  # type: ignore[assignment]
    return False


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: SessionTransaction) -> None:
    if session.info.get(_NOTIFIED) is transaction:
        del session.info[_NOTIFIED]
