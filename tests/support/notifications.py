"""PostgreSQL notifications in tests: skipping elsewhere, a LISTENing connection, and the
NOTIFYs a connection sends."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
from sqlalchemy import Connection, Engine, event

from ticketing.outbox_wakeup import OUTBOX_CHANNEL


def needs_postgres(engine: Engine) -> None:
    """Skip the test unless it runs on PostgreSQL (TEST_DATABASE_URL)."""
    if engine.dialect.name != "postgresql":
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's; SQLite has only the relay's poll")


def engine_url(engine: Engine) -> str:
    """The engine's URL with its password, as the scheduler is given it."""
    return engine.url.render_as_string(hide_password=False)


@contextmanager
def listening(engine: Engine) -> Iterator[psycopg.Connection]:
    """A connection of its own that LISTENs on the outbox channel."""
    libpq = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(libpq, autocommit=True) as conn:
        conn.execute(f"LISTEN {OUTBOX_CHANNEL}")
        yield conn


def received(conn: psycopg.Connection, seconds: float) -> list[str]:
    """The channels of the notifications that reach `conn` within `seconds`."""
    return [n.channel for n in conn.notifies(timeout=seconds)]


@contextmanager
def notifies_sent(connection: Connection) -> Iterator[list[str]]:
    """Every pg_notify statement `connection` executes inside the block, in order."""
    sent: list[str] = []

    def look(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if "pg_notify" in statement:
            sent.append(statement)

    event.listen(connection, "before_cursor_execute", look)
    try:
        yield sent
    finally:
        event.remove(connection, "before_cursor_execute", look)
