"""Each web process replays its own host's spool: no scheduler needed, no database work
while the file is empty, a dead database retried quietly, one replayer of a host at a time."""

from __future__ import annotations

import logging
import os
import threading
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import sessionmaker

from intake.app import create_app
from intake.db import make_engine
from intake.spool_watch import THREAD_NAME, SpoolWatch, spool_watch_for
from tests.support.faults import closed_port
from tests.support.people import DANA, JANE
from tests.support.spool import spool_call
from ticketing.calls.spool import read_entries, replay_turn, spool_file
from ticketing.models import Call, OutboxMessage, Ticket

SID = "CA" + "7" * 32


@pytest.fixture
def watch(settings, database, clock) -> SpoolWatch:
    """The watch a web process runs over the test's instance path, database and clock."""
    return spool_watch_for(settings, database, clock)


@pytest.fixture
def statements(engine) -> list[str]:
    """Every SQL statement sent to the test database while the test runs."""
    sent: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    yield sent
    event.remove(engine, "before_cursor_execute", count)


def test_the_web_process_turns_a_spooled_call_into_a_paged_ticket_without_a_scheduler(
    watch, session, directory, clock
) -> None:
    spool_call(watch.path, SID, JANE, clock() - timedelta(minutes=3))
    assert watch.check() == 2  # the call and its message
    ticket = session.scalars(select(Ticket)).one()
    assert ticket.recording_sid == f"RE{SID[2:]}" and ticket.intake_completed_at is not None
    [page] = session.scalars(select(OutboxMessage)).all()
    assert page.to_number == DANA and page.ticket_id == ticket.id
    assert watch.check() == 0  # every entry is in: the file is emptied
    assert read_entries(watch.path).size == 0
    assert session.scalar(select(func.count()).select_from(Ticket)) == 1


def test_an_idle_web_process_sends_the_database_nothing_for_the_spool(
    watch, statements, clock
) -> None:
    assert not watch.path.exists()
    assert watch.check() == 0
    watch.path.parent.mkdir(parents=True)
    watch.path.touch()  # emptied after a replay: the file stays, empty
    assert watch.check() == 0
    assert statements == []
    spool_call(watch.path, SID, JANE, clock())
    assert watch.check() == 2 and statements  # the listener does see the replay


def test_a_dead_database_is_retried_logging_once_a_minute_and_never_raising(
    settings, database, clock, session, caplog
) -> None:
    moments = iter([0.0, 30.0, 61.0])
    dead = make_engine(f"postgresql+psycopg://intake:intake@127.0.0.1:{closed_port()}/intake")
    live = spool_watch_for(settings, database, clock)
    watch = SpoolWatch(
        live.path,
        live.replay,
        sessionmaker(bind=dead),
        clock,
        monotonic=lambda: next(moments),
    )
    spool_call(watch.path, SID, JANE, clock())
    with caplog.at_level(logging.INFO, logger="intake.spool_watch"):
        assert [watch.check() for _ in range(3)] == [None, None, None]
        failures = [r for r in caplog.records if r.levelno == logging.ERROR]
        assert len(failures) == 2  # at 0 s and 61 s, not at 30 s
        watch.sessionmaker = live.sessionmaker  # the database is back
        assert watch.check() == 2
    assert "works again" in caplog.records[-1].getMessage()
    assert session.scalar(select(func.count()).select_from(Call)) == 1
    dead.dispose()


def test_one_web_process_of_a_host_replays_at_a_time(watch, statements, clock) -> None:
    spool_call(watch.path, SID, JANE, clock())
    with replay_turn(watch.path) as mine:
        assert mine
        assert watch.check() is None  # another worker has the turn: skip this round
        with replay_turn(watch.path) as other:
            assert not other
    assert statements == []
    assert len(read_entries(watch.path).entries) == 2
    assert watch.check() == 2


def test_each_process_starts_its_watch_with_its_first_request(settings, database, clock) -> None:
    app = create_app(settings, database=database, clock=clock, spool_watch=True)
    watch = app.extensions["spool_watch"]
    assert watch.path == spool_file(settings.instance_path)
    assert _watch_threads() == []  # building the app (gunicorn's master) starts nothing
    client = app.test_client()
    client.get("/healthz")
    client.get("/healthz")
    try:
        assert len(_watch_threads()) == 1
        assert watch._pid == os.getpid()
    finally:
        watch.stop()
        for thread in _watch_threads():
            thread.join(timeout=10)
    assert _watch_threads() == []


def test_the_test_app_runs_no_watch(app) -> None:
    app.test_client().get("/healthz")
    assert "spool_watch" not in app.extensions and _watch_threads() == []


def _watch_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == THREAD_NAME and t.is_alive()]
