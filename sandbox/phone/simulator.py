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
    "🔗": "bridge",
    "🔀": "redirect",
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
    # "inbound": the caller on the support line; "outbound-api" (placed through the REST
    # API) or "outbound-dial" (rung by a <Dial>): a phone the service called, answered on
    # the technician's side.
    direction: str = "inbound"
    to_number: str = ""
    # An outbound leg: the TwiML fetched on answering (None: a <Dial> with no url bridges
    # at once), whether machine detection was asked for, the leg whose <Dial> rang it.
    answer_url: str | None = None
    detects_machines: bool = False
    parent_sid: str | None = None
    # The leg this one talks to (sim id), the call its <Dial> rings (call SID), the queue
    # it waits in and since when (monotonic seconds).
    bridged_with: str | None = None
    dialing: str | None = None
    queue: str | None = None
    queued_at: float | None = None
    # Redirects of this call through the REST API already followed.
    redirects_seen: int = 0
    # The leg's own TwiML ended and it stays on the line, bridged to its parent.
    on_bridge: bool = False

    @property
    def ended(self) -> str:
        """Why the call ended ("" while it goes on)."""
        return self.transcript.ended


class SimStore:
    """Simulated calls by random id: at most `limit`, each forgotten after `ttl` idle seconds."""

    def __init__(self, limit: int = MAX_CALLS, ttl: float = TTL_SECONDS) -> None:
        self.limit, self.ttl = limit, ttl
        self._calls: dict[str, SimState] = {}
        # Calls forgotten while still on the line: hung up by the next request (`dropped`).
        self._dropped: list[SimState] = []
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
                self._forget(oldest)

    def get(self, sim_id: str) -> SimState | None:
        """The call with this id, unless unknown or expired."""
        with self._lock:
            self._expire()
            return self._calls.get(sim_id)

    def by_call_sid(self, call_sid: str) -> SimState | None:
        """The leg playing the call with this SID, if one was answered here."""
        with self._lock:
            return next(
                (s for s in self._calls.values() if s.transcript.call_sid == call_sid), None
            )

    def first_in(self, queue: str) -> SimState | None:
        """The caller who has waited longest in `queue` (and is not bridged yet)."""
        with self._lock:
            waiting = [
                s
                for s in self._calls.values()
                if s.queue == queue
                and s.waiting_for == "queue"
                and not s.ended
                and s.bridged_with is None
            ]
        return min(waiting, key=lambda s: s.queued_at or 0.0, default=None)

    def dropped(self) -> list[SimState]:
        """Calls forgotten while still on the line, once each: the caller hangs them up, so
        no simulated caller stays in the help-desk queue for ever."""
        with self._lock:
            dropped, self._dropped = self._dropped, []
        return dropped

    def _expire(self) -> None:
        cutoff = time.monotonic() - self.ttl
        for state in [s for s in self._calls.values() if s.touched < cutoff]:
            self._forget(state)

    def _forget(self, state: SimState) -> None:
        del self._calls[state.id]
        if not state.ended:
            self._dropped.append(state)


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
            to_number=state.to_number or settings.twilio_voice_number,
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
        return self._run(self._step_until_end)

    def follow(self, url: str) -> SimState:
        """The service moved the live call (a REST redirect): play the TwiML at `url`."""
        self.state.document, self.state.waiting_for = None, ""
        return self._run(lambda: self._walk(Post(url, self._params())))

    def end(self, reason: str) -> SimState:
        """The call ends from outside (the service hung it up, the other party left)."""
        self._finish(reason)
        self.state.waiting_for, self.state.document = "", None
        return self.state

    def _run(self, play: Any) -> SimState:
        try:
            self._finish(play() or "end")
            self.state.waiting_for, self.state.document = "", None
        except _Paused:
            self._keep_position()
        self.state.seconds = self._seconds
        return self.state

    def _walk(self, step: Step) -> str | None:
        while isinstance(step, Post):
            step = self._follow(step)
        return step

    def _step_until_end(self) -> str | None:
        if self.state.document is None:
            return self._walk(self._first_step())
        self._replaying = True  # the paused verb's prompts were heard already
        root = ET.fromstring(self.state.document)
        return self._walk(self._play(root, self.state.url, self.state.index))

    def _first_step(self) -> Step:
        """The first request: the support line's webhook, or an answered call's own URL."""
        if self.state.direction != "inbound":
            params = self._params()
            if self.state.detects_machines:
                params["AnsweredBy"] = "human"
            return Post(self.state.answer_url, params) if self.state.answer_url else "end"
        first = self._params(CallStatus="ringing")
        if self.at:
            first["SimulatedAt"] = self.at
        return Post(self.base_url + "/twilio/voice", first)

    def _params(self, **extra: str) -> dict[str, str]:
        params = super()._params(**extra)
        if self.state.direction != "inbound":
            params["Direction"] = self.state.direction
        if self.state.parent_sid:
            params["ParentCallSid"] = self.state.parent_sid
        return params

    def _keep_position(self) -> None:
        if self.state.on_bridge:
            self.state.waiting_for = "bridged"
            return
        assert self.position is not None
        root, url, index = self.position
        self.state.document = ET.tostring(root, encoding="unicode")
        self.state.url, self.state.index = url, index
        waits_for = WAITS_FOR.get(root[index].tag, "keys")
        if self.state.bridged_with is not None:
            waits_for = "bridged"
        elif self.state.dialing is not None:
            waits_for = "dial"
        self.state.waiting_for = waits_for

    def _note(self, line: str) -> None:
        if self._replaying:
            return
        mark, _, text = line.partition(" ")
        kind = EVENT_KINDS.get(mark, "event")
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
