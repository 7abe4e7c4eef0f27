"""Counting what one webhook request costs: its SQL statements and the other round trips
to the database (BEGIN, COMMIT, ROLLBACK, the pool's ping), and its CPU time, measured by
a WSGI middleware around the app (optionally under a cProfile profiler per webhook)."""

from __future__ import annotations

import cProfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, event

from bench.calls.callers import path_template
from intake.db import PINGED

SQL_SHOWN = 110


@dataclass
class RequestCost:
    """What one request cost."""

    webhook: str  # the path, CallSid and numbers generalised
    statements: int = 0
    begins: int = 0
    commits: int = 0
    rollbacks: int = 0
    pings: int = 0
    cpu: float = 0.0  # seconds of process CPU
    sql: list[str] = field(default_factory=list)

    @property
    def round_trips(self) -> int:
        """Every exchange with the database server: statements, transaction control, pings."""
        return self.statements + self.begins + self.commits + self.rollbacks + self.pings


def shorten(statement: str) -> str:
    """One line of SQL, cut to SQL_SHOWN characters."""
    flat = " ".join(statement.split())
    return flat if len(flat) <= SQL_SHOWN else flat[: SQL_SHOWN - 1] + "…"


class SqlCounter:
    """Listens to an engine and charges what it does to the request being measured."""

    def __init__(self, engine: Engine) -> None:
        self.current: RequestCost | None = None
        # pool_pre_ping (SQLite) costs a round trip at every checkout.
        self.pings_on_checkout = bool(getattr(engine.pool, "_pre_ping", False))
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "begin", self._begin)
        event.listen(engine, "commit", self._commit)
        event.listen(engine, "rollback", self._rollback)
        event.listen(engine.pool, "checkout", self._checkout)

    def _statement(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        # SQLite's BEGIN IMMEDIATE (intake/db.py) is the "begin" event's own round trip.
        if self.current is not None and statement.lstrip()[:5].upper() != "BEGIN":
            self.current.statements += 1
            # Kept whole, shortened when shown: the counting must cost the request little.
            self.current.sql.append(statement)

    def _begin(self, conn: Any) -> None:
        if self.current is not None and not _autocommit(conn):
            self.current.begins += 1

    def _commit(self, conn: Any) -> None:
        if self.current is not None and not _autocommit(conn):
            self.current.commits += 1

    def _rollback(self, conn: Any) -> None:
        if self.current is not None and not _autocommit(conn):
            self.current.rollbacks += 1

    def _checkout(self, _dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        # intake/db.py pings a PostgreSQL connection only after it sat idle, and says so.
        pinged = record.info.pop(PINGED, False)
        if self.current is not None and (self.pings_on_checkout or pinged):
            self.current.pings += 1


def _autocommit(conn: Any) -> bool:
    """Whether the driver runs each statement as its own transaction: then SQLAlchemy's
    begin, commit and rollback send nothing to the server (psycopg's `autocommit`)."""
    return bool(getattr(conn.connection.dbapi_connection, "autocommit", False))


WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def answered(
    wsgi_app: WsgiApp, environ: dict[str, Any], start_response: Callable[..., Any]
) -> list[bytes]:
    """The app's answer to `environ`, its body read and closed here, so that producing
    the body counts in whatever measures this call."""
    answer = wsgi_app(environ, start_response)
    body = list(answer)
    close = getattr(answer, "close", None)
    if close is not None:
        close()
    return body


class Metered:
    """WSGI middleware: each request's cost into `costs`; with `profiling` on, its CPU
    also goes to a cProfile profiler of its own webhook (in `profiles`)."""

    def __init__(self, wsgi_app: WsgiApp, counter: SqlCounter) -> None:
        self.wsgi_app = wsgi_app
        self.counter = counter
        self.costs: list[RequestCost] = []
        self.profiling = False
        self.profiles: dict[str, cProfile.Profile] = {}

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        cost = RequestCost(path_template(environ.get("PATH_INFO", "")))
        profiler = self.profiles.setdefault(cost.webhook, cProfile.Profile(time.process_time))
        self.counter.current = cost
        started = time.process_time()
        if self.profiling:
            profiler.enable()
        try:
            body = answered(self.wsgi_app, environ, start_response)
        finally:
            if self.profiling:
                profiler.disable()
            cost.cpu = time.process_time() - started
            self.counter.current = None
            self.costs.append(cost)
        return body
