"""Engine, sessions and their wiring into Flask; migrations are applied with Alembic."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask, g
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from ticketing.orm import Base

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`; SQLite gets WAL, a busy timeout and enforced foreign keys."""
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
    kwargs.setdefault("pool_pre_ping", True)
    if url.startswith("postgresql"):
        # A call must not wait on an unreachable database: fail fast and play the fallback.
        kwargs.setdefault("connect_args", {"connect_timeout": 3})
    return create_engine(url, **kwargs)


class Database:
    """The engine and session factory of one app (or one scheduler process)."""

    def __init__(self, url: str, engine: Engine | None = None) -> None:
        self.url = url
        self.engine = engine or make_engine(url)
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


def alembic_config(url: str):
    """An Alembic config pointing at our migrations and `url`."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
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
