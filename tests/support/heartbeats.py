"""The scheduler's heartbeat, written as a running scheduler process would."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from ticketing.monitoring.heartbeat import RELAY, beat

SCHEDULER_HOST = "scheduler-test"
SCHEDULER_PID = 4242


def scheduler_beat(session: Session, at: datetime) -> None:
    """The outbox relay beats at `at` (committed)."""
    beat(session, RELAY, host=SCHEDULER_HOST, pid=SCHEDULER_PID, now=at)
    session.commit()
