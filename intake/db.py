"""Engine, sessions and their wiring into Flask; migrations are applied with Alembic."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask, g
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

import ticketing.integrations  # noqa: F401  (its listener owes webhook events on each flush)
from ticketing import outbox_wakeup  # noqa: F401  (it NOTIFYs the relay of due rows)
from ticketing.orm import Base

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# A caller hears dead air while a webhook waits for the database; a call must be answered
# (with the fallback when the database is unreachable) within 2 s. psycopg, like libpq,
# rounds connect_timeout to whole seconds and to at least 2, hence a deadline of our own.
CONNECT_DEADLINE_SECONDS = 1.0


def connect_within(connect: Callable[[], Any], seconds: float, timeout_error: type) -> Any:
    """Run `connect` in a helper thread and give up after `seconds` (a late connection is
    closed by that thread); raises `timeout_error` on time-out."""
    box: dict[str, Any] = {}
    lock = threading.Lock()
    finished = threading.Event()

    def attempt() -> None:
        try:
            conn = connect()
        except BaseException as exc:
            box["error"] = exc
        else:
            with lock:
                if box.get("late"):
                    conn.close()  # nobody waits for it any more
                else:
                    box["conn"] = conn
        finally:
            finished.set()

    threading.Thread(target=attempt, name="db-connect", daemon=True).start()
    finished.wait(seconds)
    with lock:
        if "conn" in box:
            return box["conn"]
        if "error" in box:
            raise box["error"]
        box["late"] = True
    raise timeout_error(f"no answer from the database within {seconds:g} s")


def make_engine(
    url: str,
    *,
    connect_deadline: float = CONNECT_DEADLINE_SECONDS,
    pool_size: int | None = None,
    **kwargs: Any,
) -> Engine:
    """An engine for `url`; SQLite gets WAL, a busy timeout and enforced foreign keys;
    PostgreSQL gives up connecting after `connect_deadline` seconds, and keeps `pool_size`
    connections open (as many again for a moment)."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 15})
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # Webhooks and the scheduler write concurrently: WAL lets readers go on,
            # and the busy timeout makes a writer wait instead of failing.
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=15000")
            if path and path != ":memory:":
                cur.execute("PRAGMA journal_mode=WAL")
            cur.close()
            # Let SQLAlchemy, not pysqlite, decide when transactions begin, so that
            # SAVEPOINTs work (tests) and writers take the lock up front.
            dbapi_conn.isolation_level = None

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # IMMEDIATE: a transaction that will write takes the lock at once instead of
            # failing with SQLITE_BUSY when it upgrades from a stale read snapshot.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    if not url.startswith("postgresql"):
        kwargs.setdefault("pool_pre_ping", True)
        return create_engine(url, **kwargs)
    if pool_size is not None:
        # A connection given back to a full pool is closed; one a thread then needs is a new
        # server process (a fork, authentication, its statements parsed and planned anew).
        kwargs.setdefault("pool_size", pool_size)
        kwargs.setdefault("max_overflow", pool_size)
    # psycopg's own timeout (2 s at the least) ends the attempt a late deadline left behind.
    kwargs.setdefault("connect_args", {"connect_timeout": max(2, int(connect_deadline + 0.99))})
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "do_connect")
    def _connect_by_deadline(dialect: Any, _record: Any, cargs: Any, cparams: Any) -> Any:
        # A listening socket that never answers (a black-holed address) must not hold a
        # call longer than the deadline; a refused connection fails at once anyway.
        return connect_within(
            lambda: dialect.connect(*cargs, **cparams),
            connect_deadline,
            dialect.loaded_dbapi.OperationalError,
        )

    if not kwargs.get("pool_pre_ping"):
        ping_when_idle(engine)
    return engine


# A connection back in the pool longer than this is pinged before it is lent again.
PING_AFTER_IDLE_SECONDS = 1.0
# Set on a connection's record when its checkout pinged it (for the benchmarks' counts).
PINGED = "pinged_at_checkout"
_IDLE_SINCE = "idle_since"


def ping_when_idle(engine: Engine, idle_seconds: float = PING_AFTER_IDLE_SECONDS) -> None:
    """Ping a pooled connection at checkout only if it sat idle over `idle_seconds`.

    A ping at every checkout (pool_pre_ping) is a round trip on every webhook. A connection
    returned moments ago by a busy worker was working then; one idle longer may have been
    cut by a database restart or a proxy, and is replaced before a caller's request uses it.
    """

    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_conn: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop(_IDLE_SINCE, None)
        # A connection made for this checkout has just answered.
        if since is None or time.monotonic() - since < idle_seconds:
            return
        record.info[PINGED] = True
        try:
            alive = engine.dialect.do_ping(dbapi_conn)
        except Exception as exc:
            raise DisconnectionError("the pooled connection did not answer a ping") from exc
        if not alive:
            raise DisconnectionError("the pooled connection did not answer a ping")


class Database:
    """The engine and session factory of one app (or one scheduler process)."""

    def __init__(
        self,
        url: str,
        engine: Engine | None = None,
        *,
        connect_deadline: float = CONNECT_DEADLINE_SECONDS,
        pool_size: int | None = None,
    ) -> None:
        self.url = url
        self.engine = engine or make_engine(
            url, connect_deadline=connect_deadline, pool_size=pool_size
        )
        self.sessionmaker = sessionmaker(bind=self.engine, expire_on_commit=False)

    def init_app(self, app: Flask) -> None:
        """Give each request one session, closed (rolled back if uncommitted) at teardown."""
        app.extensions["db"] = self

        @app.teardown_appcontext
        def _close_session(_exc: BaseException | None) -> None:
            session = g.pop("db_session", None)
            if session is not None:
                session.close()

    @property
    def bind(self) -> Engine | Connection:
        """What request sessions are bound to: the engine (a test's connection)."""
        return self.sessionmaker.kw.get("bind") or self.engine

    @property
    def session(self) -> Session:
        """The current request's session (created on first use)."""
        if "db_session" not in g:
            g.db_session = self.sessionmaker()
        return g.db_session

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session outside any request that commits on success and rolls back on error."""
        session = self.sessionmaker()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()


def keep_ticket_numbering(bind: Connection) -> None:
    """After a migration rebuilt `tickets` on SQLite, restore its counter (numbers go on
    from at least 1001, never reusing one)."""
    if bind.dialect.name != "sqlite":
        return
    top = bind.exec_driver_sql("SELECT COALESCE(MAX(id), 1000) FROM tickets").scalar()
    bind.exec_driver_sql("DELETE FROM sqlite_sequence WHERE name = 'tickets'")
    bind.exec_driver_sql(
        "INSERT INTO sqlite_sequence (name, seq) VALUES ('tickets', ?)", (max(int(top), 1000),)
    )


def alembic_config(url: str, migrations: Path = MIGRATIONS_DIR):
    """An Alembic config pointing at our migrations and `url`."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Apply migrations up to `revision`."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    """Revert migrations down to `revision`."""
    from alembic import command

    command.downgrade(alembic_config(url), revision)


def new_revision(message: str, migrations: Path = MIGRATIONS_DIR) -> Path:
    """Write the next numbered migration, autogenerated from the models' difference with a
    scratch SQLite database built by every existing migration; the file it wrote."""
    import tempfile

    from alembic import command
    from alembic.script import ScriptDirectory

    if not message.strip():
        raise ValueError("a migration needs a message saying what changed")
    heads = ScriptDirectory.from_config(alembic_config("sqlite://", migrations)).get_heads()
    if len(heads) != 1:
        raise ValueError(f"the migrations have {len(heads)} heads; merge them first")
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{Path(scratch) / 'head.db'}"
        cfg = alembic_config(url, migrations)
        command.upgrade(cfg, "head")
        # Numbered, not hashed: the history reads in order and file names sort.
        script = command.revision(
            cfg, message=message, autogenerate=True, rev_id=f"{int(heads[0]) + 1:04d}"
        )
    assert script is not None and not isinstance(script, list)
    return Path(script.path)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None before the first migration."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    """The newest revision in the migrations folder."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


__all__ = ["Base", "Database", "downgrade", "make_engine", "upgrade"]
