"""The console's phone simulator: a simulated call played one caller's answer at a time.

Each request resumes the call where it paused (the TwiML document, its URL and the
verb waiting for the caller), replays that verb quietly with the caller's answer, and
plays on until the next verb that waits for the caller or the end of the call. The
TwiML walking is sandbox.twilio.caller's; only the transport (our own webhooks,
in-process) and the pausing are added here. The state lives in memory: the simulator
exists only in the demo (sandbox) app, which is one process.
"""

from __future__ import annotations

import secrets
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from flask import Flask
from twilio.request_validator import RequestValidator

from sandbox import context
from sandbox.twilio.caller import CallTranscript, Post, SimulatedCall, Step, signed_headers

MAX_CALLS = 50
TTL_SECONDS = 30 * 60
# What the verb the call paused at waits for.
WAITS_FOR = {"Gather": "keys", "Record": "speech", "Enqueue": "queue"}


# The caller's terminal marks (emoji) → a kind of event the page labels in words (emoji
# fonts are not a given on the staff's machines).
EVENT_KINDS = {
    "🔊": "heard",
    "☎️": "caller",
    "🎙️": "caller",
    "📞": "dial",
    "⏳": "queue",
    "📴": "end",
    "⚠️": "error",
    "🎵": "audio",
}


class _Paused(Exception):
    """The call waits for the caller (raised where the terminal version would ask)."""


_NOT_YET = object()  # no answer given: pause at the next question


@dataclass
class SimState:
    """One simulated call between two requests."""

    id: str
    from_number: str
    at: str | None
    started_at: datetime
    sms_since: int
    calls_since: int
    transcript: CallTranscript
    events: list[tuple[str, str]] = field(default_factory=list)  # (kind, text)
    document: str | None = None
    url: str = ""
    index: int = 0
    seconds: float = 0.0
    waiting_for: str = ""
    replies: list[tuple[str, str, str]] = field(default_factory=list)
    touched: float = field(default_factory=time.monotonic)

    @property
    def ended(self) -> str:
        """Why the call ended ("" while it goes on)."""
        return self.transcript.ended


class SimStore:
    """Simulated calls by random id: at most `limit`, each forgotten after `ttl` idle seconds."""

    def __init__(self, limit: int = MAX_CALLS, ttl: float = TTL_SECONDS) -> None:
        self.limit, self.ttl = limit, ttl
        self._calls: dict[str, SimState] = {}
        self._lock = threading.Lock()
        # Held while a call plays a step (the demo's few staff can wait for each other).
        self.step_lock = threading.Lock()

    def new_id(self) -> str:
        """A fresh, unguessable id."""
        return secrets.token_urlsafe(12)

    def put(self, state: SimState) -> None:
        """Keep `state`, dropping expired calls and then the least recently used."""
        with self._lock:
            state.touched = time.monotonic()
            self._calls[state.id] = state
            self._expire()
            while len(self._calls) > self.limit:
                oldest = min(self._calls.values(), key=lambda s: s.touched)
                del self._calls[oldest.id]

    def get(self, sim_id: str) -> SimState | None:
        """The call with this id, unless unknown or expired."""
        with self._lock:
            self._expire()
            return self._calls.get(sim_id)

    def _expire(self) -> None:
        cutoff = time.monotonic() - self.ttl
        for sim_id in [k for k, s in self._calls.items() if s.touched < cutoff]:
            del self._calls[sim_id]


def sim_store(app: Flask) -> SimStore:
    """The app's store of simulated calls (created on first use)."""
    store: SimStore = app.extensions.setdefault("phone_sim", SimStore())
    return store


@dataclass
class _Reply:
    """The parts of a requests.Response the caller reads, from a Flask test response."""

    status_code: int
    headers: dict[str, str]
    content: bytes


def post_signed(app: Flask, url: str, params: dict[str, str], headers: dict[str, str]) -> _Reply:
    """POST to one of our own webhooks in-process, as Twilio would over the network."""
    base = context.settings_of(app).public_base_url.rstrip("/")
    if not url.startswith(base + "/"):
        raise requests.ConnectionError(f"{url} is not on this service ({base})")
    origin = urlsplit(base)
    path = url[len(f"{origin.scheme}://{origin.netloc}") :]
    # A fresh app context: the webhook gets its own database session and no logged-in user.
    with app.app_context():
        answer = app.test_client().post(
            path, data=params, headers=headers, base_url=f"{origin.scheme}://{origin.netloc}"
        )
    return _Reply(answer.status_code, dict(answer.headers), answer.get_data())


def post_as_twilio(app: Flask, path: str, params: dict[str, str]) -> _Reply:
    """Sign `params` for PUBLIC_BASE_URL + `path` and post them to our webhook in-process."""
    settings = context.settings_of(app)
    url = settings.public_base_url.rstrip("/") + path
    headers = signed_headers(RequestValidator(settings.twilio_auth_token), url, params)
    return post_signed(app, url, params, headers)


def new_call(store: SimStore, caller: str, at: str | None, sandbox: Any) -> SimState:
    """A call not placed yet; what the sandbox sent before it is not shown with it."""
    return SimState(
        id=store.new_id(),
        from_number=caller,
        at=at,
        started_at=datetime.now(UTC),
        sms_since=len(sandbox.messages()),
        calls_since=len(sandbox.calls()),
        transcript=CallTranscript(call_sid=""),
    )


class StepCall(SimulatedCall):
    """A SimulatedCall that pauses where it needs the caller and resumes from a SimState."""

    def __init__(self, app: Flask, state: SimState) -> None:
        settings = context.settings_of(app)
        super().__init__(
            settings.public_base_url,
            settings.twilio_auth_token,
            from_number=state.from_number,
            to_number=settings.twilio_voice_number,
            at=state.at,
            keys=(),
            out=self._note,
            account_sid=settings.twilio_account_sid,
        )
        self.app, self.state = app, state
        if state.transcript.call_sid:
            self.transcript = state.transcript
        else:  # a new call: keep the transcript (and CallSid) the caller made up
            state.transcript = self.transcript
        self._seconds = state.seconds
        self._answer: Any = _NOT_YET
        self._replaying = False

    def advance(self, answer: str | object | None = _NOT_YET) -> SimState:
        """Play on with the caller's answer (None: hang up) until the call waits or ends."""
        self._answer = answer
        try:
            self._finish(self._step_until_end() or "end")
            self.state.waiting_for, self.state.document = "", None
        except _Paused:
            self._keep_position()
        self.state.seconds = self._seconds
        return self.state

    def _step_until_end(self) -> str | None:
        step: Step
        if self.state.document is None:
            first = self._params(CallStatus="ringing")
            if self.at:
                first["SimulatedAt"] = self.at
            step = Post(self.base_url + "/twilio/voice", first)
        else:
            self._replaying = True  # the paused verb's prompts were heard already
            root = ET.fromstring(self.state.document)
            step = self._play(root, self.state.url, self.state.index)
        while isinstance(step, Post):
            step = self._follow(step)
        return step

    def _keep_position(self) -> None:
        assert self.position is not None
        root, url, index = self.position
        self.state.document = ET.tostring(root, encoding="unicode")
        self.state.url, self.state.index = url, index
        self.state.waiting_for = WAITS_FOR.get(root[index].tag, "keys")

    def _note(self, line: str) -> None:
        if self._replaying:
            return
        mark, _, text = line.partition(" ")
        kind = EVENT_KINDS.get(mark, "event")
        if kind == "dial":
            # <Dial> to the technician: the simulator cannot ring a real phone.
            text = "ringing the technician… (no answer in the simulator)"
        self.state.events.append(
            (kind, " ".join(text.split()) if kind in EVENT_KINDS.values() else line)
        )

    def _send(self, url: str, params: dict[str, str], headers: dict[str, str]) -> Any:
        return post_signed(self.app, url, params, headers)

    def _ask(self, prompt: str) -> str | None:
        if self._answer is _NOT_YET:
            raise _Paused()
        answer, self._answer = self._answer, _NOT_YET
        self._replaying = False
        if answer is None:
            self._note("📴 the caller hangs up")
        elif "say something" in prompt:
            self._note(f"🎙️ says: {' '.join(str(answer).split()) or '(silence)'}")
        return answer if answer is None else str(answer)

    def _say(self, el: ET.Element, url: str) -> Step:
        # Replaying the paused verb: its prompts were heard (and noted) the first time.
        return None if self._replaying else super()._say(el, url)
