"""Owing a page wakes the relay: one NOTIFY in the transaction that writes due outbox rows,
delivered by PostgreSQL at commit and never for a rollback; SQLite sends nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from tests.support.notifications import listening, needs_postgres, notifies_sent, received
from tests.support.people import DANA, LUIS
from ticketing.models import OutboxMessage
from ticketing.outbox import enqueue_sms
from ticketing.outbox_wakeup import OUTBOX_CHANNEL


def owe_page(session: Session, now: datetime, key: str, to: str = DANA) -> None:
    """An SMS page due now, as the escalation writes it."""
    enqueue_sms(session, None, None, "EMERGENCY: server down", key=key, now=now, to_number=to)


def test_a_transaction_owing_pages_notifies_once(
    session: Session, connection: Connection, engine: Engine, clock
):
    with notifies_sent(connection) as sent:
        owe_page(session, clock(), "page-a")
        owe_page(session, clock(), "page-b", to=LUIS)
        session.commit()

    # SQLite has no NOTIFY: its relay finds the rows by polling.
    assert len(sent) == (1 if engine.dialect.name == "postgresql" else 0)


def test_a_row_due_later_notifies_nothing(session: Session, connection: Connection, clock):
    now = clock()
    with notifies_sent(connection) as sent:
        # A text held back by pacing, say: the relay's poll takes it when it comes due.
        session.add(
            OutboxMessage(
                dedupe_key="later",
                to_number=DANA,
                body="paced",
                created_at=now,
                next_attempt_at=now + timedelta(minutes=1),
            )
        )
        session.commit()

    assert sent == []


def test_the_next_transaction_notifies_again(
    session: Session, connection: Connection, engine: Engine, clock
):
    needs_postgres(engine)
    with notifies_sent(connection) as sent:
        owe_page(session, clock(), "first")
        session.commit()
        owe_page(session, clock(), "second")
        session.commit()

    assert len(sent) == 2


def test_a_savepoint_rolled_back_leaves_its_transaction_free_to_notify(
    session: Session, connection: Connection, engine: Engine, clock
):
    needs_postgres(engine)
    with notifies_sent(connection) as sent:
        savepoint = session.begin_nested()
        owe_page(session, clock(), "undone")
        savepoint.rollback()
        owe_page(session, clock(), "kept")
        session.commit()

    # The first NOTIFY went with the savepoint; the page kept needs one of its own.
    assert len(sent) == 2


@pytest.mark.postgres_only
def test_a_committed_page_reaches_listeners(engine: Engine, wipe_database, clock):
    needs_postgres(engine)
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    with listening(engine) as conn:
        with factory.begin() as session:
            owe_page(session, clock(), "committed")
            session.flush()
            assert received(conn, 0.2) == []  # not before the commit

        assert received(conn, 2.0) == [OUTBOX_CHANNEL]


@pytest.mark.postgres_only
def test_a_rolled_back_page_never_reaches_listeners(engine: Engine, wipe_database, clock):
    needs_postgres(engine)
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    with listening(engine) as conn:
        with factory() as session:
            owe_page(session, clock(), "rolled-back")
            session.rollback()

        assert received(conn, 0.5) == []
