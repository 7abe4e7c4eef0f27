"""Each web process replays its own host's spool (ticketing/calls/spool.py).

Calls taken while the database was unreachable wait in a file on the host that took them.
A scheduler on another host cannot see that file, and the one on this host may be dead, so
every web process runs a daemon thread that looks at the file every few seconds (one
`stat`: an idle, healthy process does no database work for it) and, when it holds
something, runs the scheduler's own spool-replay sweep in a transaction of its own. Of the
web processes of one host, one replays at a time (`replay_turn`); the scheduler may replay
at the same moment, which the replay's markers make safe.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from flask import Flask
from sqlalchemy import orm
from sqlalchemy.orm import Session

from intake.config import Settings
from intake.db import Database
from intake.runtime import spool_replay_for
from ticketing.calls.spool import holds_entries, replay_turn, spool_file

log = logging.getLogger(__name__)

CHECK_EVERY_SECONDS = 5.0
# The database may stay away for an hour: one line a minute says so without flooding the log.
LOG_FAILURE_EVERY_SECONDS = 60.0
THREAD_NAME = "spool-watch"


class SpoolWatch:
    """Looks at one spool file and replays it into the database when it holds anything."""

    def __init__(
        self,
        path: Path,
        replay: Callable[[Session, datetime], object],
        sessionmaker: orm.sessionmaker[Session],
        clock: Callable[[], datetime],
        *,
        every: float = CHECK_EVERY_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = path
        self.replay = replay
        self.sessionmaker = sessionmaker
        self.clock = clock
        self.every = every
        self.monotonic = monotonic
        self.stopped = threading.Event()
        self._failure_logged_at: float | None = None
        self._pid: int | None = None
        self._starting = threading.Lock()

    def check(self) -> int | None:
        """One look: the entries replayed (0 when the file is empty), or None when another
        replayer of this host had the turn or the replay failed (logged, tried next time)."""
        try:
            if not holds_entries(self.path):
                return 0
            with replay_turn(self.path) as mine:
                if not mine:
                    return None
                with self.sessionmaker.begin() as session:
                    done = self.replay(session, self.clock())
        except Exception:
            self._failed()
            return None
        if self._failure_logged_at is not None:
            log.info("spool replay in the web process works again")
            self._failure_logged_at = None
        return int(done or 0)

    def _failed(self) -> None:
        now = self.monotonic()
        last = self._failure_logged_at
        if last is None or now - last >= LOG_FAILURE_EVERY_SECONDS:
            self._failure_logged_at = now
            log.exception("spool replay in the web process failed; trying every %g s", self.every)

    def run(self) -> None:
        """Check now and every `every` seconds until stopped; never raises."""
        while not self.stopped.is_set():
            self.check()
            self.stopped.wait(self.every)

    def ensure_running(self) -> None:
        """Start the thread in this process unless it runs already (a forked worker starts
        its own: threads do not survive a fork)."""
        if self._pid == os.getpid():
            return
        with self._starting:
            if self._pid == os.getpid():
                return
            self.stopped.clear()
            threading.Thread(target=self.run, name=THREAD_NAME, daemon=True).start()
            self._pid = os.getpid()

    def stop(self) -> None:
        """Ask the thread to end after its current look."""
        self.stopped.set()
        self._pid = None


def spool_watch_for(
    settings: Settings, database: Database, clock: Callable[[], datetime]
) -> SpoolWatch:
    """The watch of this instance's spool, replaying it with the app's database and clock
    through the scheduler's own sweep."""
    return SpoolWatch(
        spool_file(settings.instance_path), spool_replay_for(settings), database.sessionmaker, clock
    )


def watch_spool(app: Flask, watch: SpoolWatch) -> None:
    """Run `watch` in every process serving `app`, each starting its thread with its first
    request: after gunicorn forked, and with nothing to do in a process that serves nothing
    (a load balancer's health check is enough to start it)."""
    app.extensions["spool_watch"] = watch
    app.before_request(watch.ensure_running)
