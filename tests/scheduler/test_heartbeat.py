"""The scheduler's heartbeats: the relay and the sweeps beat, throttled, with host and pid;
the dead-man's-switch URL is pinged while the relay beats and its failures never crash."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
import requests
import responses
from sqlalchemy import func, select

from scheduler.heartbeat import Pulse, ping
from scheduler.runner import PING_JOB, build_scheduler, run_relay, run_sweep
from ticketing.monitoring.heartbeat import beat_age, pager_running
from ticketing.monitoring.models import Heartbeat

HEARTBEAT_URL = "https://hc-ping.example/abc-123"


class Ticks:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.value = 1000.0

    def __call__(self) -> float:
        return self.value


@pytest.fixture
def ticks() -> Ticks:
    return Ticks()


@pytest.fixture
def pulse(ticks: Ticks) -> Pulse:
    return Pulse(5.0, host="sched-1", pid=4242, monotonic=ticks)


def test_a_relay_tick_beats_with_host_and_pid(database, session, messenger, clock, pulse):
    run_relay(database.sessionmaker, messenger, clock, None, pulse=pulse)

    row = session.scalars(select(Heartbeat)).one()
    assert (row.component, row.host, row.pid) == ("relay", "sched-1", 4242)
    assert row.beat_at == clock()
    assert pager_running(session, clock())


def test_the_relay_beats_at_most_every_few_seconds(
    database, session, messenger, clock, pulse, ticks
):
    run_relay(database.sessionmaker, messenger, clock, None, pulse=pulse)
    first = clock()
    for _ in range(8):  # two seconds of ticks, four a second
        clock.advance(timedelta(seconds=0.25))
        ticks.value += 0.25
        run_relay(database.sessionmaker, messenger, clock, None, pulse=pulse)

    session.expire_all()
    assert session.scalar(select(Heartbeat.beat_at)) == first
    ticks.value += 5
    clock.advance(timedelta(seconds=5))
    run_relay(database.sessionmaker, messenger, clock, None, pulse=pulse)
    session.expire_all()
    assert session.scalar(select(Heartbeat.beat_at)) == clock()
    assert session.scalar(select(func.count()).select_from(Heartbeat)) == 1


def test_a_failed_relay_tick_does_not_beat(database, session, messenger, clock, pulse, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr("scheduler.runner.relay_due", broken)
    run_relay(database.sessionmaker, messenger, clock, None, pulse=pulse)

    assert beat_age(session, clock()) is None
    assert not pager_running(session, clock())


def test_a_sweep_beats_in_its_transaction(database, session, clock, pulse):
    run_sweep("escalations", lambda _s, _now: None, database.sessionmaker, clock, pulse)

    assert session.scalar(select(Heartbeat.component)) == "sweep:escalations"


def test_a_stale_heartbeat_means_the_pager_is_not_running(
    database, session, messenger, clock, pulse
):
    run_relay(database.sessionmaker, messenger, clock, None, pulse=pulse)
    later = clock() + timedelta(seconds=61)

    assert beat_age(session, later) == pytest.approx(61)
    assert not pager_running(session, later)


def test_the_ping_job_is_scheduled_only_with_a_url(database, messenger, clock):
    without = build_scheduler(
        database.sessionmaker, messenger, clock, status_callback_url=None, background=True
    )
    with_url = build_scheduler(
        database.sessionmaker,
        messenger,
        clock,
        status_callback_url=None,
        background=True,
        heartbeat_url=HEARTBEAT_URL,
    )

    assert PING_JOB not in {job.id for job in without.get_jobs()}
    job = with_url.get_job(PING_JOB)
    assert job.trigger.interval == timedelta(seconds=60)


@responses.activate
def test_the_url_is_pinged_while_the_relay_beats(database, session, messenger, clock, pulse):
    responses.get(HEARTBEAT_URL, body="OK")
    run_relay(database.sessionmaker, messenger, clock, None, pulse=pulse)

    ping(HEARTBEAT_URL, pulse)

    assert len(responses.calls) == 1


@responses.activate
def test_no_ping_when_the_relay_stopped_beating(pulse, ticks, caplog):
    responses.get(HEARTBEAT_URL, body="OK")

    with caplog.at_level(logging.WARNING, logger="scheduler.heartbeat"):
        ping(HEARTBEAT_URL, pulse)

    assert len(responses.calls) == 0
    assert "not pinged" in caplog.text


@responses.activate
@pytest.mark.parametrize(
    "failure",
    [{"status": 500}, {"body": requests.ConnectTimeout("timed out")}],
    ids=["server-error", "timeout"],
)
def test_a_failed_ping_is_logged_and_never_raises(
    database, messenger, clock, pulse, caplog, failure
):
    responses.get(HEARTBEAT_URL, **failure)
    run_relay(database.sessionmaker, messenger, clock, None, pulse=pulse)

    with caplog.at_level(logging.WARNING, logger="scheduler.heartbeat"):
        ping(HEARTBEAT_URL, pulse)

    assert "heartbeat URL ping failed" in caplog.text


@responses.activate
def test_the_ping_has_a_ten_second_timeout(database, messenger, clock, pulse):
    responses.get(HEARTBEAT_URL, body="OK")
    run_relay(database.sessionmaker, messenger, clock, None, pulse=pulse)

    ping(HEARTBEAT_URL, pulse)

    assert responses.calls[0].request.req_kwargs["timeout"] == 10
