"""This scheduler process's heartbeats, and the dead-man's switch an outside monitor watches."""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from datetime import datetime

import requests
from sqlalchemy.orm import Session

from ticketing.monitoring.heartbeat import RELAY, STALE_AFTER, beat

log = logging.getLogger(__name__)

# The relay ticks up to 4 times a second, more when pages wake it: beating at every tick
# would write rows all the time on an idle service. One write every few seconds keeps the
# age well under the 60 s limit.
BEAT_EVERY_SECONDS = 5.0
# healthchecks.io-style monitors expect a ping a minute and alert after a grace period.
PING_EVERY_SECONDS = 60
PING_TIMEOUT_SECONDS = 10


class Pulse:
    """Writes this process's (host, pid) heartbeats, each component at most every few seconds."""

    def __init__(
        self,
        every: float = BEAT_EVERY_SECONDS,
        *,
        host: str | None = None,
        pid: int | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.every = every
        self.host = host or socket.gethostname()
        self.pid = pid or os.getpid()
        self._monotonic = monotonic
        self._last: dict[str, float] = {}

    def due(self, component: str) -> bool:
        """Whether `component` has not beaten for `every` seconds (or ever)."""
        last = self._last.get(component)
        return last is None or self._monotonic() - last >= self.every

    def beat(self, session: Session, component: str, now: datetime) -> None:
        """Write `component`'s beat in `session` when one is due (the caller commits)."""
        if not self.due(component):
            return
        beat(session, component, host=self.host, pid=self.pid, now=now)
        self._last[component] = self._monotonic()

    def alive(self, component: str = RELAY) -> bool:
        """Whether `component` beat in this process within the stale limit."""
        last = self._last.get(component)
        return last is not None and self._monotonic() - last <= STALE_AFTER.total_seconds()


def ping(url: str, pulse: Pulse) -> None:
    """GET the dead-man's-switch `url` while the relay beats; logs failures, never raises."""
    # A relay that stopped beating (database gone, ticks failing) must stop the pings, so
    # the outside monitor raises the alarm this process cannot.
    if not pulse.alive():
        log.warning("heartbeat URL not pinged: the outbox relay has not beaten for a minute")
        return
    try:
        answer = requests.get(url, timeout=PING_TIMEOUT_SECONDS)
        answer.raise_for_status()
    except Exception as exc:
        log.warning("heartbeat URL ping failed: %s", exc)
