"""Running the first webhook's statements: on a connection of its own, compiled once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from sqlalchemy import Connection, CursorResult, Dialect, Engine, Executable
from sqlalchemy.orm import Session


@contextmanager
def connection_for(session: Session) -> Iterator[Connection]:
    """The connection a first webhook runs on. On PostgreSQL, a pooled one of its own in
    autocommit: the read needs no transaction and the write is one statement (no BEGIN, no
    COMMIT: two round trips fewer, and none of the session's bookkeeping). On SQLite, or in
    a caller's transaction (the tests'), the session's: its caller commits."""
    bind = session.get_bind()
    if isinstance(bind, Engine) and bind.dialect.name == "postgresql":
        with bind.connect() as connection:
            yield connection.execution_options(isolation_level="AUTOCOMMIT")
        return
    yield session.connection()


def execute(connection: Connection, statement: Executable, params: dict[str, Any]) -> CursorResult:
    """Run `statement`: on PostgreSQL as SQL compiled once per process, handed to the driver
    (which prepares it after a few runs). Looking a statement up in SQLAlchemy's compiled
    cache and processing its parameters cost more CPU than PostgreSQL spends running it;
    every value passed is already what the driver takes (str, int, aware datetime)."""
    if connection.dialect.name != "postgresql":
        return connection.execute(statement, params)
    sql, constants = compiled(statement, connection.dialect)
    return connection.exec_driver_sql(sql, constants | params)


@cache
def compiled(statement: Executable, dialect: Dialect) -> tuple[str, dict[str, Any]]:
    """The SQL of `statement` and the values it carries itself (LIMIT 1 and the like)."""
    compiled = statement.compile(dialect=dialect)
    constants = {
        name: bind.effective_value
        for name, bind in compiled.binds.items()
        if bind.effective_value is not None
    }
    return compiled.string, constants
