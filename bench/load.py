"""The load generator: signed webhook requests over persistent HTTP/1.1 connections.

Requests are built and signed before the clock starts (signing is Twilio's work, not
the service's), then N threads, each with its own keep-alive connection, take the next
request from a shared list until it runs out or the time is up. Every request's latency
is kept; a non-2xx answer or a broken connection counts as an error.
"""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from twilio.request_validator import RequestValidator

from bench.results import percentile

FORM = "application/x-www-form-urlencoded"
TIMEOUT_SECONDS = 30.0


class Signer:
    """Signs a POST as Twilio does: HMAC-SHA1 over PUBLIC_BASE_URL + path and the params."""

    def __init__(self, base_url: str, auth_token: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.validator = RequestValidator(auth_token)

    def headers(self, path: str, params: Mapping[str, str]) -> dict[str, str]:
        """The headers Twilio would send with `params` posted to `path`."""
        signature = self.validator.compute_signature(self.base_url + path, dict(params))
        return {
            "X-Twilio-Signature": signature,
            "Content-Type": FORM,
            "User-Agent": "TwilioProxy/1.1",
        }


@dataclass(frozen=True)
class Prepared:
    """A request ready to send: path, encoded body and headers (signature included)."""

    path: str
    body: bytes
    headers: dict[str, str]


def prepare(signer: Signer, path: str, params: Mapping[str, str]) -> Prepared:
    """Encode and sign one webhook POST."""
    return Prepared(path, urlencode(params).encode(), signer.headers(path, params))


@dataclass(frozen=True)
class Answer:
    """One response: status, body and how long it took (seconds)."""

    status: int
    body: bytes
    seconds: float


class Client:
    """One persistent HTTP/1.1 connection to the service, reopened if the server drops it."""

    def __init__(self, base_url: str, timeout: float = TIMEOUT_SECONDS) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.timeout = timeout
        self._conn: http.client.HTTPConnection | None = None

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            self._conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        return self._conn

    def send(self, request: Prepared) -> Answer:
        """POST `request`; one retry on a connection the server closed while idle."""
        for attempt in (1, 2):
            conn = self._connection()
            started = time.perf_counter()
            try:
                conn.request("POST", request.path, body=request.body, headers=request.headers)
                response = conn.getresponse()
                body = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # gunicorn closes idle keep-alive connections: reconnect once, time anew.
                self.close()
                if attempt == 2:
                    raise
                continue
            elapsed = time.perf_counter() - started
            if response.will_close:
                self.close()
            return Answer(response.status, body, elapsed)
        raise AssertionError("unreachable")

    def post(self, signer: Signer, path: str, params: Mapping[str, str]) -> Answer:
        """Sign and POST `params` to `path`."""
        return self.send(prepare(signer, path, params))

    def close(self) -> None:
        """Drop the connection."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None


@dataclass
class LoadResult:
    """What a load run measured."""

    concurrency: int
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    elapsed: float = 0.0
    error_samples: list[str] = field(default_factory=list)

    @property
    def requests(self) -> int:
        """Requests answered successfully."""
        return len(self.latencies)

    @property
    def rps(self) -> float:
        """Successful requests per second of wall-clock time."""
        return self.requests / self.elapsed if self.elapsed else 0.0

    def p(self, pct: float) -> float:
        """A latency percentile in seconds."""
        return percentile(self.latencies, pct)


Check = Callable[[Answer], bool]


def ok_twiml(answer: Answer) -> bool:
    """A 200 with a TwiML document (what Twilio needs to go on with the call)."""
    return answer.status == 200 and answer.body.lstrip().startswith(b"<?xml")


def run_load(
    base_url: str,
    requests: Sequence[Prepared],
    concurrency: int,
    *,
    duration: float | None = None,
    check: Check = ok_twiml,
) -> LoadResult:
    """Send `requests` (each once) from `concurrency` threads; stop early after `duration` s."""
    result = LoadResult(concurrency)
    lock = threading.Lock()
    position = 0
    start_line = threading.Barrier(concurrency + 1)
    deadline: list[float] = [float("inf")]

    def take() -> Prepared | None:
        nonlocal position
        with lock:
            if position >= len(requests) or time.perf_counter() > deadline[0]:
                return None
            position += 1
            return requests[position - 1]

    def worker() -> None:
        client = Client(base_url)
        latencies: list[float] = []
        errors: list[str] = []
        try:
            start_line.wait()
            while (request := take()) is not None:
                try:
                    answer = client.send(request)
                except (OSError, http.client.HTTPException) as exc:
                    errors.append(f"{request.path}: {exc!r}")
                    client.close()
                    continue
                if check(answer):
                    latencies.append(answer.seconds)
                else:
                    errors.append(f"{request.path}: {answer.status} {answer.body[:120]!r}")
        finally:
            client.close()
            with lock:
                result.latencies.extend(latencies)
                result.errors += len(errors)
                result.error_samples.extend(errors[: 5 - len(result.error_samples)])

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    start_line.wait()
    started = time.perf_counter()
    if duration is not None:
        deadline[0] = started + duration
    for thread in threads:
        thread.join()
    result.elapsed = time.perf_counter() - started
    return result
