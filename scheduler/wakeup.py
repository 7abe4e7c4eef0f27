"""Waking the relay the moment a page is committed: PostgreSQL's LISTEN on a connection of
its own, and relay ticks taken one at a time however many wake-ups ask for them.

The relay's poll stays as the fallback (and is all SQLite has): a lost connection, a
notification missed while reconnecting, rows that come due later (retries, paced texts).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import psycopg
from sqlalchemy import make_url

from ticketing.outbox_wakeup import OUTBOX_CHANNEL

log = logging.getLogger(__name__)

# How long one wait for notifications lasts: the thread notices `stop` this often, and
# sleeps in poll(2) in between (an idle scheduler does not spin).
WAIT_SECONDS = 1.0
# A quiet connection is checked this often, so a dead one is found and replaced.
CHECK_EVERY_SECONDS = 30.0
CONNECT_TIMEOUT_SECONDS = 5
# How the connection shows in pg_stat_activity.
APPLICATION_NAME = "intake outbox listener"
RETRY_FIRST_SECONDS = 1.0
RETRY_MOST_SECONDS = 30.0


class Turns:
    """Runs one job at a time, wherever it is asked for: a request made while it runs is not
    dropped but makes it run once more, right after (many requests, one more run)."""

    def __init__(self) -> None:
        self._asked = threading.Event()
        self._running = threading.Lock()

    def take(self, job: Callable[[], object]) -> None:
        """Run `job` now, or have the run under way run it again when it ends."""
        self._asked.set()
        # Whoever holds the lock looks again after letting go, so a request made as a run
        # finishes is either seen by that run or takes the lock itself.
        while self._asked.is_set() and self._running.acquire(blocking=False):
            try:
                self._asked.clear()
                job()
            finally:
                self._running.release()


def libpq_url(url: str) -> str:
    """A SQLAlchemy PostgreSQL URL (postgresql+psycopg://…) as libpq takes it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class OutboxListener:
    """A thread that LISTENs for committed outbox rows and calls `wake` for each batch of
    notifications; it reconnects with back-off, and says through `on_health` whether it
    listens (True) or the relay must poll fast (False)."""

    def __init__(
        self,
        url: str,
        wake: Callable[[], None],
        on_health: Callable[[bool], None] = lambda _listening: None,
    ) -> None:
        self.url = libpq_url(url)
        self._wake = wake
        self._on_health = on_health
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.listening = threading.Event()

    def start(self) -> None:
        """Start listening in a daemon thread."""
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="outbox-listener", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2 * WAIT_SECONDS) -> None:
        """Stop listening (within about WAIT_SECONDS)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        delay, lost = RETRY_FIRST_SECONDS, False
        while not self._stop.is_set():
            try:
                with psycopg.connect(
                    self.url,
                    autocommit=True,
                    connect_timeout=CONNECT_TIMEOUT_SECONDS,
                    application_name=APPLICATION_NAME,
                ) as conn:
                    conn.execute(f"LISTEN {OUTBOX_CHANNEL}")
                    if lost:
                        log.info("outbox listener connected again; the relay is woken at once")
                    delay, lost = RETRY_FIRST_SECONDS, False
                    self._healthy(True)
                    # Rows committed while nobody listened would otherwise wait for the poll.
                    self._wake()
                    self._listen(conn)
            except Exception:
                if not lost:
                    log.warning(
                        "outbox listener lost its database connection; the relay polls every "
                        "tick until it is back",
                        exc_info=True,
                    )
                lost = True
            if self._stop.is_set():
                break
            self._healthy(False)
            self._stop.wait(delay)
            delay = min(delay * 2, RETRY_MOST_SECONDS)

    def _listen(self, conn: psycopg.Connection) -> None:
        quiet = 0.0
        while not self._stop.is_set():
            if list(conn.notifies(timeout=WAIT_SECONDS, stop_after=1)):
                # What else has arrived by now rides along: a burst of commits is one wake-up.
                list(conn.notifies(timeout=0))
                quiet = 0.0
                self._wake()
                continue
            quiet += WAIT_SECONDS
            if quiet >= CHECK_EVERY_SECONDS:
                conn.execute("SELECT 1")
                quiet = 0.0

    def _healthy(self, listening: bool) -> None:
        if listening == self.listening.is_set():
            return
        if listening:
            self.listening.set()
        else:
            self.listening.clear()
        try:
            self._on_health(listening)
        except Exception:
            log.exception("outbox listener: could not change the relay's pace")
