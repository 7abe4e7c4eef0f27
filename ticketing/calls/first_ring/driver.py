"""Running the first webhook's statements: on a connection of its own, compiled once."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache, wraps
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import Connection, Dialect, Engine, Executable
from sqlalchemy.exc import DBAPIError, MultipleResultsFound, NoResultFound
from sqlalchemy.orm import Session
from sqlalchemy.pool import PoolProxiedConnection

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


@dataclass(frozen=True)
class Link:
    """Where a first webhook's statements go: on PostgreSQL, the driver's own connection,
    lent by the engine's pool, in autocommit; elsewhere (SQLite, or a caller's transaction:
    the tests') SQLAlchemy's connection in the session's transaction."""

    dialect: Dialect
    connection: Connection | None = None
    engine: Engine | None = None
    pooled: PoolProxiedConnection | None = None
    cursor: Any = None  # the driver's, on `pooled`: one for every statement of the webhook

    @property
    def postgres(self) -> bool:
        """Whether the statements go to PostgreSQL."""
        return self.dialect.name == "postgresql"


@contextmanager
def connection_for(bind: Engine | Connection, session: Callable[[], Session]) -> Iterator[Link]:
    """The link a first webhook runs on. On PostgreSQL, a pooled connection of its own in
    autocommit: the read needs no transaction and the write is one statement (no BEGIN, no
    COMMIT: two round trips fewer, and none of the session's bookkeeping), and it is the
    driver's connection itself, since SQLAlchemy's statement and result machinery cost
    more CPU than PostgreSQL spends on the two statements. On SQLite, or in a caller's
    transaction (the tests'), the connection of `session()`: its caller commits. `bind` is
    what the sessions are bound to; on PostgreSQL no session is opened at all."""
    if isinstance(bind, Engine) and bind.dialect.name == "postgresql":
        pooled = bind.raw_connection()  # the pool's checkout events (the idle ping) run
        try:
            driver = pooled.driver_connection
            driver.autocommit = True
            cursor = driver.cursor()
            try:
                yield Link(bind.dialect, engine=bind, pooled=pooled, cursor=cursor)
            finally:
                cursor.close()
        finally:
            _give_back(pooled)
        return
    yield Link(bind.dialect, connection=session().connection())


def _give_back(pooled: PoolProxiedConnection) -> None:
    """Return the connection to the pool as it was lent: in a transaction's mode again."""
    try:
        if pooled.is_valid:  # not if a statement found it cut (and invalidated it)
            pooled.driver_connection.autocommit = False
    except Exception as exc:  # broken under us: the pool must not lend it again
        pooled.invalidate(exc)
    finally:
        pooled.close()


def execute(link: Link, statement: Executable, params: dict[str, Any]) -> None:
    """Run `statement` (an INSERT, or statements of them)."""
    if link.pooled is None:
        _through_sqlalchemy(link, statement, params)
        return
    _on_the_driver(link, statement, params, fetch=False)


def one_row(link: Link, statement: Executable, params: dict[str, Any]) -> Sequence[Any]:
    """The one row `statement` returns (MultipleResultsFound or NoResultFound otherwise)."""
    if link.pooled is None:
        return tuple(_through_sqlalchemy(link, statement, params).one())
    rows = _on_the_driver(link, statement, params, fetch=True)
    if len(rows) > 1:
        raise MultipleResultsFound("the first ring's read found more than one row")
    if not rows:
        raise NoResultFound("the first ring's read found no row")
    return rows[0]


def _through_sqlalchemy(link: Link, statement: Executable, params: dict[str, Any]) -> Any:
    assert link.connection is not None
    if not link.postgres:
        return link.connection.execute(statement, params)
    # Compiled once: looking a statement up in SQLAlchemy's compiled cache and processing
    # its parameters cost more than PostgreSQL spends running it.
    found = compiled(statement, link.dialect)
    return link.connection.exec_driver_sql(found.sql, found.constants | params)


def _on_the_driver(
    link: Link, statement: Executable, params: dict[str, Any], *, fetch: bool
) -> list[Any]:
    """Run `statement` on the pooled driver connection, which prepares it after a few
    runs; every value passed is already what the driver takes (str, int, aware datetime).
    The driver's errors are raised as SQLAlchemy's, as on any other connection: a unique
    key's conflict is an IntegrityError, and a connection found cut is not lent again."""
    assert link.pooled is not None and link.engine is not None
    found = compiled(statement, link.dialect)
    values = found.constants | params
    cursor = link.cursor
    listeners = link.engine.dispatch.before_cursor_execute
    if listeners:  # the tests' and the benchmark's statement counts
        listeners(None, cursor, found.sql, values, None, False)
    try:
        # The same bytes object every time: the driver neither encodes the SQL again nor
        # hashes it again to find its parsed and prepared forms.
        cursor.execute(found.encoded, values)
        return cursor.fetchall() if fetch else []
    except link.dialect.loaded_dbapi.Error as error:
        raise _as_sqlalchemys(link, cursor, found.sql, values, error) from error


def _as_sqlalchemys(
    link: Link, cursor: Any, sql: str, values: dict[str, Any], error: Exception
) -> Exception:
    assert link.pooled is not None
    cut = link.dialect.is_disconnect(error, link.pooled.dbapi_connection, cursor)
    if cut:
        link.pooled.invalidate(error)
    return DBAPIError.instance(
        sql,
        values,
        error,
        link.dialect.loaded_dbapi.Error,
        connection_invalidated=cut,
        dialect=link.dialect,
    )


@dataclass(frozen=True)
class Compiled:
    """A statement as the driver takes it."""

    sql: str
    encoded: bytes  # `sql` in the connection's encoding (UTF-8; the SQL is ASCII)
    constants: dict[str, Any]  # the values it carries itself (LIMIT 1 and the like)


@built_once
def compiled(statement: Executable, dialect: Dialect) -> Compiled:
    """The SQL of `statement` and the values it carries itself."""
    compiled = statement.compile(dialect=dialect)
    # By the names the SQL uses (`binds` also keys each anonymous value by its placeholder).
    constants = {
        name: bind.effective_value
        for bind, name in compiled.bind_names.items()
        if bind.effective_value is not None
    }
    return Compiled(compiled.string, compiled.string.encode(), constants)
