"""Running the first webhook's statements: on a connection of its own, compiled once."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache, wraps
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import Connection, CursorResult, Dialect, Engine, Executable
from sqlalchemy.orm import Session

P = ParamSpec("P")
T = TypeVar("T")

# Reentrant: a builder may call another (the write of everything calls each INSERT's).
_BUILDING = threading.RLock()


def built_once(build: Callable[P, T]) -> Callable[P, T]:
    """`build`'s result kept per arguments, built by one thread at a time.

    SQLAlchemy fills an alias's column collection and an aliased class's adapter the first
    time they are asked for. Two threads doing that at once can leave a column unadapted,
    and the read then joins the bare table as well: one row per stored answer, not one.
    A worker's threads take their first requests together, so they must not build together.
    """
    kept = cache(build)

    @wraps(build)
    def once(*args: P.args, **kwargs: P.kwargs) -> T:
        with _BUILDING:
            return kept(*args, **kwargs)

    once.cache_clear = kept.cache_clear  # type: ignore[attr-defined]
    return once


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


@built_once
def compiled(statement: Executable, dialect: Dialect) -> tuple[str, dict[str, Any]]:
    """The SQL of `statement` and the values it carries itself (LIMIT 1 and the like)."""
    compiled = statement.compile(dialect=dialect)
    constants = {
        name: bind.effective_value
        for name, bind in compiled.binds.items()
        if bind.effective_value is not None
    }
    return compiled.string, constants
