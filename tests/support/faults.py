"""Helpers of the quick fault drills (tests/drills/test_fault_drills.py): a Twilio REST API
that fails on command (through `responses`), sockets that refuse or never answer, and the
"process killed" exception."""

from __future__ import annotations

import re
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import parse_qs

import requests
import responses

ACCOUNT = "AC" + "fd" * 16
API = "http://faulty-twilio.test"
MESSAGES_URL = f"{API}/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
CALLS_URL = f"{API}/2010-04-01/Accounts/{ACCOUNT}/Calls.json"
# What Twilio does to a request, by mode: answers, refuses, or loses the answer.
MODES = ("ok", "500", "429", "hang", "accept-hang", "reset")
_TICKET = re.compile(r"#(\d{4,})\b")


class WorkerKilled(BaseException):
    """Stands for SIGKILL: no `except Exception` catches it, nothing after it runs."""


def ticket_numbers(body: str) -> set[int]:
    """The ticket numbers a page or a bundle of pages names."""
    return {int(n) for n in _TICKET.findall(body)}


@dataclass
class FaultyTwilio:
    """Twilio's Messages and Calls API on `responses`, failing as `mode_at()` says.

    `accepted` holds every request Twilio would have acted on (a message queued), each
    with "late": True when its answer never reached the sender (it timed out);
    `refused` counts the requests Twilio did not act on.
    """

    mode_at: Callable[[], str]
    now: Callable[[], datetime]
    accepted: list[dict[str, object]] = field(default_factory=list)
    refused: int = 0
    _sids: Iterator[int] = field(default_factory=lambda: iter(range(1, 1_000_000)))

    @property
    def late(self) -> list[dict[str, object]]:
        """Accepted requests whose answer was lost."""
        return [a for a in self.accepted if a["late"]]

    def install(self, mock: responses.RequestsMock) -> None:
        """Answer every Messages/Calls POST through this fake."""
        for url in (MESSAGES_URL, CALLS_URL):
            mock.add_callback(responses.POST, url, callback=self._answer)

    def _answer(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], object]:
        mode = self.mode_at()
        params = {k: v[0] for k, v in parse_qs(str(request.body or "")).items()}
        if mode in ("ok", "accept-hang"):
            sid = f"SM{next(self._sids):032x}"
            late = mode == "accept-hang"
            self.accepted.append({**params, "sid": sid, "at": self.now(), "late": late})
            if late:
                return 0, {}, requests.exceptions.ReadTimeout("read timed out (accepted)")
            return 201, {}, f'{{"sid": "{sid}", "status": "queued"}}'
        self.refused += 1
        if mode == "hang":
            return 0, {}, requests.exceptions.ReadTimeout("read timed out")
        if mode == "reset":
            return 0, {}, requests.exceptions.ConnectionError("connection reset by peer")
        code = 20429 if mode == "429" else 20500
        return int(mode), {}, f'{{"code": {code}, "message": "fault {mode}", "status": {mode}}}'

    def copies(self, ticket: int, to: str) -> int:
        """How many accepted texts to `to` name this ticket."""
        return sum(_names(a, ticket, to) for a in self.accepted)

    def late_copies(self, ticket: int, to: str) -> int:
        """How many of those were answered too late for the sender to know."""
        return sum(_names(a, ticket, to) for a in self.late)


def _names(accepted: dict[str, object], ticket: int, to: str) -> bool:
    return accepted.get("To") == to and ticket in ticket_numbers(str(accepted.get("Body", "")))


def outage(
    start: datetime, phases: list[tuple[str, float]], clock: Callable[[], datetime]
) -> Callable[[], str]:
    """A `mode_at` playing each (mode, seconds) phase in turn from `start`, then "ok"."""

    def mode_at() -> str:
        elapsed = (clock() - start).total_seconds()
        for mode, seconds in phases:
            if elapsed < seconds:
                return mode
            elapsed -= seconds
        return "ok"

    return mode_at


@contextmanager
def black_hole() -> Iterator[int]:
    """A port that accepts TCP connections and never says a word (a hung database)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        yield listener.getsockname()[1]


def closed_port() -> int:
    """A port nobody listens on (connections are refused at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
