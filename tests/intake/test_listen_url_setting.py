"""DATABASE_LISTEN_URL: where the scheduler LISTENs for committed pages (a direct connection
when DATABASE_URL goes through a pooler), DATABASE_URL without it."""

from __future__ import annotations

import pytest

from intake.config import ConfigError, load_settings
from intake.db import Database
from intake.runtime import scheduler_for
from scheduler.wakeup import OutboxListener
from tests.support.settings import production_env as _env


def test_unset_the_scheduler_listens_on_the_database_itself(tmp_path) -> None:
    settings = load_settings(_env(tmp_path, DATABASE_URL="postgres://app:pw@pgbouncer:6432/intake"))

    assert settings.database_listen_url is None


def test_a_direct_url_is_read_with_the_driver_named(tmp_path) -> None:
    settings = load_settings(
        _env(
            tmp_path,
            DATABASE_URL="postgres://app:pw@pgbouncer:6432/intake",
            DATABASE_LISTEN_URL="postgres://app:pw@db-primary:5432/intake",
        )
    )

    assert settings.database_listen_url == "postgresql+psycopg://app:pw@db-primary:5432/intake"


def test_a_listen_url_that_is_not_postgresql_stops_the_start(tmp_path) -> None:
    with pytest.raises(ConfigError, match="DATABASE_LISTEN_URL"):
        load_settings(_env(tmp_path, DATABASE_LISTEN_URL="sqlite:///elsewhere.db"))


def test_the_scheduler_is_given_the_listen_url(settings, tmp_path, clock, monkeypatch) -> None:
    started: list[str] = []
    monkeypatch.setattr(OutboxListener, "start", lambda self: started.append(self.url))
    direct = settings.with_overrides(
        database_listen_url="postgresql+psycopg://app:pw@db-primary:5432/intake"
    )
    database = Database(f"sqlite:///{tmp_path / 'intake.db'}")

    scheduler = scheduler_for(direct, database, clock, background=True)
    scheduler.start(paused=True)
    scheduler.shutdown(wait=False)
    database.engine.dispose()

    assert started == ["postgresql://app:pw@db-primary:5432/intake"]
