"""Writing and reading the scheduler's heartbeats."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ticketing.monitoring.models import Heartbeat

# The relay ticks 4 times a second and beats at most every few seconds: a minute without
# a beat means no page is leaving, whatever the process list says.
STALE_AFTER = timedelta(seconds=60)
RELAY = "relay"
# Rows of processes long gone are forgotten when their host starts a new one.
FORGET_AFTER = timedelta(days=7)


def beat(session: Session, component: str, *, host: str, pid: int, now: datetime) -> None:
    """Record that `component` of the process (host, pid) ran at `now`."""
    row = session.scalar(
        select(Heartbeat).where(
            Heartbeat.component == component, Heartbeat.host == host, Heartbeat.pid == pid
        )
    )
    if row is not None:
        row.beat_at = now
        return
    session.execute(
        delete(Heartbeat).where(
            Heartbeat.component == component,
            Heartbeat.host == host,
            Heartbeat.beat_at < now - FORGET_AFTER,
        )
    )
    session.add(Heartbeat(component=component, host=host, pid=pid, started_at=now, beat_at=now))


def last_beat(session: Session, component: str = RELAY) -> datetime | None:
    """The newest beat of `component` by any process, or None if none ever beat."""
    return session.scalar(
        select(func.max(Heartbeat.beat_at)).where(Heartbeat.component == component)
    )


def beat_age(session: Session, now: datetime, component: str = RELAY) -> float | None:
    """Seconds since the newest beat of `component`, or None if none ever beat."""
    last = last_beat(session, component)
    return None if last is None else max((now - last).total_seconds(), 0.0)


def pager_running(session: Session, now: datetime) -> bool:
    """Whether the relay that sends pages beat within the last minute."""
    age = beat_age(session, now)
    return age is not None and age <= STALE_AFTER.total_seconds()
