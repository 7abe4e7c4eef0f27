"""The relay woken by PostgreSQL: a committed page leaves at once, the poll slows while the
listener listens and speeds up when it is lost, the listener comes back by itself, and
ticks never overlap however many wake-ups arrive."""

from __future__ import annotations

import logging
import statistics
import threading
import time
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import sessionmaker

from intake.clock import FrozenClock
from scheduler import runner, wakeup
from scheduler.runner import RELAY_JOB, build_scheduler
from scheduler.wakeup import APPLICATION_NAME, OutboxListener, Turns
from tests.support.fake_transport import RecordingMessenger
from tests.support.notifications import engine_url, needs_postgres
from tests.support.people import DANA
from ticketing.outbox import enqueue_sms


def _wait_for(condition: Callable[[], bool], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.005)
    return condition()


def _owe_page(factory: sessionmaker, clock: FrozenClock, key: str) -> None:
    with factory.begin() as session:
        enqueue_sms(session, None, None, f"EMERGENCY {key}", key=key, now=clock(), to_number=DANA)


@pytest.fixture(autouse=True)
def _quick_reconnect(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(wakeup, "RETRY_FIRST_SECONDS", 0.05)
    monkeypatch.setattr(wakeup, "RETRY_MOST_SECONDS", 0.1)
    monkeypatch.setattr(wakeup, "WAIT_SECONDS", 0.2)


def test_wake_ups_during_a_tick_make_one_more_tick_never_two_at_once():
    turns, release = Turns(), threading.Event()
    runs, running, overlapped = [], [], []

    def tick() -> None:
        overlapped.append(bool(running))
        running.append(1)
        runs.append(1)
        if len(runs) == 1:
            release.wait(5)
        running.pop()

    first = threading.Thread(target=turns.take, args=(tick,))
    first.start()
    assert _wait_for(lambda: runs == [1])
    for _ in range(5):
        turns.take(tick)  # a burst of notifications while the first tick sends
    release.set()
    first.join(5)

    assert len(runs) == 2
    assert not any(overlapped)


def test_on_sqlite_the_relay_only_polls(database, messenger, clock, engine: Engine):
    if engine.dialect.name != "sqlite":
        pytest.skip("about SQLite")
    scheduler = build_scheduler(
        database.sessionmaker,
        messenger,
        clock,
        status_callback_url=None,
        background=True,
        listen_url=database.url,
    )

    scheduler.start()
    try:
        assert scheduler.get_job(RELAY_JOB).trigger.interval == timedelta(seconds=0.25)
        assert "outbox-listener" not in [t.name for t in threading.enumerate()]
    finally:
        scheduler.shutdown(wait=True)


def test_an_unreachable_database_is_logged_once_and_tried_again(caplog):
    caplog.set_level(logging.INFO, logger="scheduler.wakeup")
    health: list[bool] = []
    # Nothing listens on port 9 of loopback: every attempt is refused at once.
    listener = OutboxListener(
        "postgresql+psycopg://intake:x@127.0.0.1:9/none", lambda: None, health.append
    )

    listener.start()
    time.sleep(0.6)
    listener.stop()

    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "polls every tick" in warnings[0].getMessage()
    assert health == []  # never listening: the relay keeps its fast poll


@pytest.mark.postgres_only
def test_a_committed_page_wakes_the_listener_within_50_ms(engine: Engine, wipe_database, clock):
    needs_postgres(engine)
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    woken = threading.Event()
    listener = OutboxListener(engine_url(engine), woken.set)
    listener.start()
    try:
        assert listener.listening.wait(5) and woken.wait(5)  # it wakes the relay on connecting
        delays = []
        for n in range(5):
            woken.clear()
            _owe_page(factory, clock, f"wake-{n}")
            committed = time.perf_counter()
            assert woken.wait(2)
            delays.append(time.perf_counter() - committed)
    finally:
        listener.stop()

    assert statistics.median(delays) < 0.05, delays


@pytest.mark.postgres_only
def test_the_scheduler_sends_a_committed_page_without_waiting_for_its_poll(
    engine: Engine, wipe_database, clock, monkeypatch
):
    needs_postgres(engine)
    # While listening the poll would come only once an hour: whatever is sent was woken.
    monkeypatch.setattr(runner, "RELAY_LISTENING_INTERVAL_SECONDS", 3600)
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    messenger = RecordingMessenger()
    scheduler = build_scheduler(
        factory,
        messenger,
        clock,
        status_callback_url=None,
        background=True,
        listen_url=engine_url(engine),
    )

    scheduler.start()
    try:
        relay = lambda: scheduler.get_job(RELAY_JOB).trigger.interval  # noqa: E731
        assert _wait_for(lambda: relay() == timedelta(hours=1))
        _owe_page(factory, clock, "at-once")
        committed = time.perf_counter()
        assert _wait_for(lambda: len(messenger.sms) == 1, seconds=5)
        took = time.perf_counter() - committed
    finally:
        scheduler.shutdown(wait=True)

    assert [m["body"] for m in messenger.sms] == ["EMERGENCY at-once"]
    assert took < 0.5


@pytest.mark.postgres_only
def test_a_lost_listener_polls_fast_comes_back_and_catches_up(
    engine: Engine, wipe_database, clock, caplog
):
    needs_postgres(engine)
    caplog.set_level(logging.INFO, logger="scheduler.wakeup")
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    health: list[bool] = []
    wakes: list[float] = []
    listener = OutboxListener(engine_url(engine), lambda: wakes.append(1), health.append)
    listener.start()
    try:
        assert _wait_for(lambda: health == [True])
        with engine.connect() as admin:
            admin.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE application_name = :name AND datname = current_database()"
                ),
                {"name": APPLICATION_NAME},
            )
            admin.commit()
        assert _wait_for(lambda: health == [True, False, True])
        woken = len(wakes)
        _owe_page(factory, clock, "after-reconnect")
        assert _wait_for(lambda: len(wakes) > woken)
    finally:
        listener.stop()

    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert any("connected again" in r.getMessage() for r in caplog.records)


def test_the_relay_polls_slower_only_while_listening(database, messenger, clock):
    scheduler = build_scheduler(
        database.sessionmaker, messenger, clock, status_callback_url=None, background=True
    )
    pace = runner._relay_pace(scheduler)
    interval = lambda: scheduler.get_job(RELAY_JOB).trigger.interval  # noqa: E731

    scheduler.start(paused=True)
    try:
        pace(True)
        assert interval() == timedelta(seconds=runner.RELAY_LISTENING_INTERVAL_SECONDS)
        pace(False)
        assert interval() == timedelta(seconds=runner.RELAY_INTERVAL_SECONDS)
    finally:
        scheduler.shutdown(wait=True)


@pytest.fixture(autouse=True)
def _quiet_apscheduler(caplog):
    caplog.set_level(logging.WARNING, logger="apscheduler")
