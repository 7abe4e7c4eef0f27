"""PostgreSQL connections are pinged when lent only after sitting idle (intake/db.py): a busy
worker's next request costs no ping, and a connection cut while idle is replaced unseen."""

from __future__ import annotations

import time

from sqlalchemy import create_engine, event, text

from intake.db import PINGED, make_engine, ping_when_idle


def _pings(engine) -> list[bool]:
    seen: list[bool] = []

    @event.listens_for(engine, "checkout")
    def _seen(_dbapi, record, _proxy) -> None:
        seen.append(record.info.pop(PINGED, False))

    return seen


def test_a_connection_lent_again_at_once_is_not_pinged(postgres_url) -> None:
    engine = make_engine(postgres_url)
    seen = _pings(engine)
    for _ in range(3):
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT 1")) == 1
    engine.dispose()
    assert seen == [False, False, False]


def test_a_connection_idle_longer_is_pinged_first(postgres_url) -> None:
    engine = create_engine(postgres_url)
    ping_when_idle(engine, idle_seconds=0.05)
    seen = _pings(engine)
    with engine.connect() as conn:
        conn.scalar(text("SELECT 1"))
    time.sleep(0.1)
    with engine.connect() as conn:
        conn.scalar(text("SELECT 1"))
    engine.dispose()
    assert seen == [False, True]


def test_a_connection_cut_while_idle_is_replaced(postgres_url) -> None:
    engine = create_engine(postgres_url)
    ping_when_idle(engine, idle_seconds=0.05)
    with engine.connect() as conn:
        first = conn.scalar(text("SELECT pg_backend_pid()"))
    with create_engine(postgres_url).connect() as admin:
        admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        admin.commit()
    time.sleep(0.1)
    with engine.connect() as conn:
        second = conn.scalar(text("SELECT pg_backend_pid()"))
    engine.dispose()
    assert second != first
