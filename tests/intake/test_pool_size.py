"""Each process keeps DATABASE_POOL_SIZE connections to PostgreSQL open: a busy worker's
threads give their connections back and take them again without the pool closing any, so
a busy minute opens no new server processes."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import event, text

from intake.app import create_app
from intake.config import ConfigError, load_settings
from intake.db import make_engine
from tests.support.settings import production_env

THREADS = 8  # the Procfile's --threads


def _connections_made(engine) -> list[int]:
    made: list[int] = []

    @event.listens_for(engine, "connect")
    def _made(_dbapi, _record) -> None:
        made.append(1)

    return made


def _threads_at_once(engine, rounds: int) -> None:
    """THREADS threads each holding a connection at the same moment, `rounds` times."""
    for _ in range(rounds):
        together = threading.Barrier(THREADS)

        def hold(together: threading.Barrier) -> None:
            with engine.connect() as conn:
                together.wait()
                conn.execute(text("SELECT 1"))

        threads = [threading.Thread(target=hold, args=(together,)) for _ in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


def test_a_pool_smaller_than_the_threads_opens_connections_all_the_time(postgres_url) -> None:
    engine = make_engine(postgres_url, pool_size=5)
    made = _connections_made(engine)
    _threads_at_once(engine, rounds=4)
    engine.dispose()
    # 8 the first time; then the 3 the full pool closed are opened again each round.
    assert len(made) == THREADS + 3 * 3


def test_the_default_pool_keeps_a_workers_threads_connections(postgres_url, tmp_path) -> None:
    settings = load_settings(production_env(tmp_path, DATABASE_URL=postgres_url))
    assert settings.database_pool_size >= THREADS
    app = create_app(settings)
    engine = app.extensions["db"].engine
    made = _connections_made(engine)
    _threads_at_once(engine, rounds=4)
    engine.dispose()
    assert len(made) == THREADS


@pytest.mark.parametrize("wrong", ["0", "101", "ten", "-1"])
def test_a_pool_size_out_of_range_is_refused(wrong, tmp_path) -> None:
    with pytest.raises(ConfigError, match="DATABASE_POOL_SIZE"):
        load_settings(production_env(tmp_path, DATABASE_POOL_SIZE=wrong))


def test_the_pool_size_is_read(tmp_path) -> None:
    settings = load_settings(production_env(tmp_path, DATABASE_POOL_SIZE="24"))
    assert settings.database_pool_size == 24
