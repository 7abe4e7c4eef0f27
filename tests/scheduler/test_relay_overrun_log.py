"""The relay ticks four times a second: a tick still sending when the next is due is routine
in a burst, so APScheduler's "skipped" warning is dropped for the relay, and only for it."""

from __future__ import annotations

import logging

from scheduler.runner import RELAY_JOB, build_scheduler
from tests.support.fake_transport import RecordingMessenger
from tests.support.outbox import SMS_CALLBACK

SKIPPED = 'Execution of job "%s" skipped: maximum number of running instances reached (%d)'


def test_only_the_relays_overrun_warning_is_dropped(database, clock, caplog) -> None:
    scheduler = build_scheduler(
        database.sessionmaker,
        RecordingMessenger(),
        clock,
        status_callback_url=SMS_CALLBACK,
        background=True,
        sweeps=[("escalations", lambda _session, _now: None, 2)],
    )
    relay, sweep = scheduler.get_job(RELAY_JOB), scheduler.get_job("sweep:escalations")
    scheduler_log = logging.getLogger("apscheduler.scheduler")
    with caplog.at_level(logging.WARNING, logger="apscheduler.scheduler"):
        scheduler_log.warning(SKIPPED, relay, 1)
        scheduler_log.warning(SKIPPED, sweep, 1)
        scheduler_log.warning('Run time of job "%s" was missed by %s', relay, "0:00:07")
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 2
    assert "sweep:escalations" in messages[0] or "run_sweep" in messages[0]
    assert messages[1].startswith("Run time of job")
