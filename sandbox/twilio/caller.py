"""A simulated phone call: plays the service's TwiML the way Twilio would, for
`intake call` in a terminal and for end-to-end tests.

It posts signed webhooks like Twilio, runs the verbs in order and follows action
URLs. What cannot be simulated is said so: <Dial> never reaches a real phone (its
action gets DialCallStatus=no-answer) and <Enqueue> never bridges a technician (the
caller hears the wait URL once, then leaves by a key or hangs up). Every request is a
POST, whatever `method` says.
"""

from __future__ import annotations

import math
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import urljoin

import requests
from twilio.request_validator import RequestValidator

from sandbox.twilio.account import SANDBOX_ACCOUNT_SID
from sandbox.twilio.numbers import SANDBOX_NUMBERS
from sandbox.twilio.store import API_VERSION, new_sid

MAX_REQUESTS = 50
APPLICATION_ERROR = "We're sorry, an application error has occurred. Goodbye."
DTMF_KEYS = "0123456789*#"
# Speaking pace used to make up a plausible CallDuration.
WORDS_PER_SECOND = 2.5
SERVICE_ENDED = ("hangup", "end")


@dataclass
class CallTranscript:
    """What happened on a simulated call."""

    call_sid: str
    said: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    recordings: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    callbacks: list[str] = field(default_factory=list)
    # hangup | end (of TwiML) | caller (hung up) | rejected | error | loop
    ended: str = ""
    error: str | None = None
    duration: int = 0

    @property
    def hung_up(self) -> bool:
        """True when the service ended the call (<Hangup> or the end of its TwiML)."""
        return self.ended in SERVICE_ENDED

    @property
    def text(self) -> str:
        """Everything the service said, one line per <Say>."""
        return "\n".join(self.said)


@dataclass(frozen=True)
class _Post:
    """A request for the next TwiML, and fire-and-forget posts due once it has answered."""

    url: str
    params: dict[str, str]
    after: tuple[tuple[str, dict[str, str]], ...] = ()


# What a verb leads to: carry on (None), fetch new TwiML (_Post), or the call ends (reason).
_Step = _Post | str | None
# Public names for subclasses elsewhere (the console's step-by-step phone simulator).
Post = _Post
Step = _Step


def press(raw: str, finish_on_key: str = "#", num_digits: int | None = None) -> str:
    """The Digits a <Gather> would collect from typed keys (non-keys are ignored)."""
    digits: list[str] = []
    for key in (ch for ch in raw if ch in DTMF_KEYS):
        if finish_on_key and key == finish_on_key:
            break
        digits.append(key)
        if num_digits and len(digits) >= num_digits:
            break
    return "".join(digits)


def signed_headers(validator: RequestValidator, url: str, params: dict[str, str]) -> dict[str, str]:
    """The headers Twilio sends with a webhook POST of `params` to `url`, signed."""
    return {
        "X-Twilio-Signature": validator.compute_signature(url, params),
        "I-Twilio-Idempotency-Token": str(uuid.uuid4()),
        "User-Agent": "TwilioProxy/1.1",
    }


def _int_attr(el: ET.Element, name: str, default: int | None = None) -> int | None:
    try:
        return int(el.get(name, ""))
    except ValueError:
        return default


class SimulatedCall:
    """One inbound call to the support line, played against the running service."""

    def __init__(
        self,
        base_url: str,
        auth_token: str,
        *,
        from_number: str,
        to_number: str = SANDBOX_NUMBERS[0],
        at: str | None = None,
        keys: Iterable[str] | None = None,
        out: Callable[[str], None] = print,
        session: requests.Session | None = None,
        account_sid: str = SANDBOX_ACCOUNT_SID,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.validator = RequestValidator(auth_token)
        self.from_number = from_number
        self.to_number = to_number
        self.at = at
        self.account_sid = account_sid
        self.out = out
        self.session = session or requests.Session()
        self._keys: Iterator[str] | None = iter(keys) if keys is not None else None
        self._seconds = 0.0
        self.transcript = CallTranscript(call_sid=new_sid("CA"))
        # The document, its URL and the index of the verb playing now.
        self.position: tuple[ET.Element, str, int] | None = None

    def run(self) -> CallTranscript:
        """Place the call, play it to the end, post the final status callback."""
        first = self._params(CallStatus="ringing")
        if self.at:
            first["SimulatedAt"] = self.at
        step: _Step = _Post(self.base_url + "/twilio/voice", first)
        while isinstance(step, _Post):
            step = self._follow(step)
        self._finish(step or "end")
        return self.transcript

    # --- requests -------------------------------------------------------------------

    def _params(self, **extra: str) -> dict[str, str]:
        params = {
            "CallSid": self.transcript.call_sid,
            "AccountSid": self.account_sid,
            "From": self.from_number,
            "To": self.to_number,
            "Caller": self.from_number,
            "Called": self.to_number,
            "CallStatus": "in-progress",
            "Direction": "inbound",
            "ApiVersion": API_VERSION,
        }
        params.update(extra)
        return params

    def _post(self, url: str, params: dict[str, str]) -> requests.Response:
        return self._send(url, params, signed_headers(self.validator, url, params))

    def _send(self, url: str, params: dict[str, str], headers: dict[str, str]) -> Any:
        """POST the signed form; subclasses may answer in-process (a requests-like reply)."""
        return self.session.post(url, data=params, headers=headers, timeout=15)

    def _follow(self, post: _Post) -> _Step:
        """Fetch TwiML and play it; the next request, or why the call ended."""
        if len(self.transcript.urls) >= MAX_REQUESTS:
            self._fail(f"more than {MAX_REQUESTS} TwiML requests: is there a redirect loop?")
            return "loop"
        root = self._fetch(post)
        if root is None:
            return "error"
        for url, params in post.after:
            self._callback(url, params)
        return self._play(root, post.url)

    def _fetch(self, post: _Post) -> ET.Element | None:
        """The TwiML document `post` answers with, or None (reported) when Twilio would fail."""
        self.transcript.urls.append(post.url)
        try:
            response = self._post(post.url, post.params)
        except requests.RequestException as exc:
            self._fail(f"could not reach {post.url}: {exc}")
            return None
        if not 200 <= response.status_code < 300:
            self._fail(f"{post.url} answered HTTP {response.status_code} (Twilio error 11200)")
            return None
        content_type = response.headers.get("Content-Type", "")
        if "xml" not in content_type and "html" not in content_type:
            self._fail(f"{post.url} answered Content-Type {content_type!r} (Twilio error 12300)")
            return None
        try:
            root = ET.fromstring(response.content)
        except ET.ParseError as exc:
            self._fail(f"{post.url} answered XML that does not parse: {exc} (Twilio error 12100)")
            return None
        if root.tag != "Response":
            self._fail(f"{post.url} answered <{root.tag}>, not <Response> (Twilio error 12100)")
            return None
        return root

    def _callback(self, url: str, params: dict[str, str]) -> None:
        """A post whose answer Twilio ignores (transcription, status); failures are noted."""
        self.transcript.callbacks.append(url)
        try:
            status = self._post(url, params).status_code
        except requests.RequestException as exc:
            self.out(f"⚠️  callback to {url} failed: {exc}")
            return
        if status >= 400:
            self.out(f"⚠️  callback to {url} answered HTTP {status}")

    def _fail(self, reason: str) -> None:
        self.transcript.error = reason
        self.out(f"⚠️  {reason}")
        self.out(f"🔊 {APPLICATION_ERROR}")

    def _finish(self, reason: str) -> None:
        self.transcript.ended = reason
        self.transcript.duration = max(1, math.ceil(self._seconds))
        status = "busy" if reason == "rejected" else "completed"
        params = self._params(
            CallStatus=status,
            CallDuration=str(self.transcript.duration),
            SequenceNumber="0",
            Timestamp=format_datetime(datetime.now(UTC)),
            CallbackSource="call-progress-events",
        )
        self._callback(self.base_url + "/twilio/voice/status", params)
        self.out(f"📴 call ended ({reason}, {self.transcript.duration} s)")

    # --- the caller -----------------------------------------------------------------

    def _ask(self, prompt: str) -> str | None:
        """The caller's next answer: scripted, or typed; None when the caller hangs up."""
        if self._keys is None:
            try:
                return input(prompt + " ")
            except EOFError:
                return None
        answer = next(self._keys, None)
        if answer is None:
            self.out("📴 (no more scripted answers: the caller hangs up)")
            return None
        self.out(f"{prompt} {answer}")
        return answer

    # --- TwiML ----------------------------------------------------------------------

    def _play(self, root: ET.Element, url: str, start: int = 0) -> _Step:
        """Run the verbs of one document in order (from `start`) until one moves the call
        elsewhere; `position` says which verb is playing, so a pause can resume there."""
        for index, verb in enumerate(list(root)[start:], start):
            self.position = (root, url, index)
            step = self._verb(verb, url)
            if step is not None:
                return step
        return "end"

    def _verb(self, el: ET.Element, url: str) -> _Step:
        handlers: dict[str, Callable[[ET.Element, str], _Step]] = {
            "Say": self._say,
            "Play": self._play_audio,
            "Pause": self._pause,
            "Gather": self._gather,
            "Record": self._record,
            "Redirect": self._redirect,
            "Dial": self._dial,
            "Enqueue": self._enqueue,
            "Hangup": lambda _el, _url: "hangup",
            "Reject": lambda _el, _url: "rejected",
        }
        handler = handlers.get(el.tag)
        if handler is None:
            self.out(f"(the simulation skips <{el.tag}>)")
            return None
        return handler(el, url)

    def _say(self, el: ET.Element, url: str) -> _Step:
        # itertext: SSML children (<break>, <say-as>) hold part of the sentence.
        text = " ".join("".join(el.itertext()).split())
        self.transcript.said.append(text)
        self.out(f"🔊 {text}")
        self._seconds += len(text.split()) / WORDS_PER_SECOND
        return None

    def _play_audio(self, el: ET.Element, url: str) -> _Step:
        audio = (el.text or "").strip()
        self.out(f"🎵 (plays {audio or 'tones ' + el.get('digits', '')})")
        self._seconds += 3
        return None

    def _pause(self, el: ET.Element, url: str) -> _Step:
        self._seconds += _int_attr(el, "length", 1) or 1
        return None

    def _gather(self, el: ET.Element, url: str) -> _Step:
        for prompt in el:
            if prompt.tag in ("Say", "Play", "Pause"):
                self._verb(prompt, url)
        answer = self._ask("☎️  keys (Enter for none):")
        if answer is None:
            return "caller"
        digits = press(answer, el.get("finishOnKey", "#"), _int_attr(el, "numDigits"))
        self._seconds += 2
        if not digits and el.get("actionOnEmptyResult", "").lower() != "true":
            self.out("(no keys pressed: the call goes on with the next verb)")
            return None
        if digits:
            self.transcript.keys.append(digits)
            self.out(f"☎️  pressed {digits}")
        return _Post(urljoin(url, el.get("action") or url), self._params(Digits=digits))

    def _record(self, el: ET.Element, url: str) -> _Step:
        answer = self._ask("🎙️  (beep) say something (type it; Enter for silence):")
        if answer is None:
            return "caller"
        text = " ".join(answer.split())
        if not text:
            self.out("(silence: an empty recording posts nothing; the call goes on)")
            return None
        self.transcript.recordings.append(text)
        seconds = max(1, len(text.split()))
        max_length = _int_attr(el, "maxLength")
        seconds = min(seconds, max_length) if max_length else seconds
        self._seconds += seconds
        sid = new_sid("RE")
        recording = {
            "RecordingSid": sid,
            "RecordingUrl": (
                f"https://api.twilio.com/{API_VERSION}/Accounts/{self.account_sid}/Recordings/{sid}"
            ),
            "RecordingDuration": str(seconds),
        }
        action = urljoin(url, el.get("action") or url)
        after = self._after_record(el, url, text, recording)
        return _Post(action, self._params(Digits="#", **recording), after)

    def _after_record(
        self, el: ET.Element, url: str, text: str, recording: dict[str, str]
    ) -> tuple[tuple[str, dict[str, str]], ...]:
        """The transcription and recording-status callbacks a <Record> asked for."""
        after: list[tuple[str, dict[str, str]]] = []
        transcribe_to = el.get("transcribeCallback")
        if el.get("transcribe", "").lower() == "true" and transcribe_to:
            tr_sid = new_sid("TR")
            params = self._params(
                TranscriptionSid=tr_sid,
                TranscriptionText=text,
                TranscriptionStatus="completed",
                TranscriptionUrl=(
                    f"https://api.twilio.com/{API_VERSION}/Accounts/{self.account_sid}"
                    f"/Transcriptions/{tr_sid}"
                ),
                RecordingSid=recording["RecordingSid"],
                RecordingUrl=recording["RecordingUrl"],
            )
            after.append((urljoin(url, transcribe_to), params))
        status_to = el.get("recordingStatusCallback")
        if status_to:
            params = self._params(RecordingStatus="completed", **recording)
            after.append((urljoin(url, status_to), params))
        return tuple(after)

    def _redirect(self, el: ET.Element, url: str) -> _Step:
        return _Post(urljoin(url, (el.text or "").strip()), self._params())

    def _dial(self, el: ET.Element, url: str) -> _Step:
        targets = [f"{c.tag.lower()} {(c.text or '').strip()}" for c in el] or [
            (el.text or "").strip()
        ]
        self.out(f"📞 connecting to {', '.join(targets)} … (simulated: nobody answers)")
        self._seconds += _int_attr(el, "timeout", 30) or 30
        action = el.get("action")
        if not action:
            return None  # Twilio carries on with the verb after <Dial>
        params = self._params(
            DialCallStatus="no-answer", DialCallSid=new_sid("CA"), DialCallDuration="0"
        )
        return _Post(urljoin(url, action), params)

    def _enqueue(self, el: ET.Element, url: str) -> _Step:
        queue, action = (el.text or "").strip(), el.get("action")
        queue_sid = new_sid("QU")
        wait_url = el.get("waitUrl")
        self.out(self._waiting_line(queue))
        if wait_url and self._waited_and_left(urljoin(url, wait_url), queue_sid):
            params = self._params(QueueResult="leave", QueueSid=queue_sid, QueueTime="30")
            # Leaving by <Leave>: Twilio plays the action's TwiML (or the next verb).
            return _Post(urljoin(url, action), params) if action else None
        self.out("📴 (the caller gives up waiting and hangs up)")
        if action:
            # Twilio reports the caller leaving the queue; the TwiML it returns is not played.
            params = self._params(QueueResult="hangup", QueueSid=queue_sid, QueueTime="0")
            self._callback(urljoin(url, action), params)
        return "caller"

    def _waiting_line(self, queue: str) -> str:
        """What the terminal shows as the caller starts waiting."""
        return f"⏳ waiting in queue {queue!r} (simulated: no technician can pick up)"

    def _waited_and_left(self, wait_url: str, queue_sid: str) -> bool:
        """Play the wait URL's TwiML once; True when it (or a key the caller pressed) ends
        in <Leave>. Nobody can dequeue a simulated caller, so there is no second round."""
        wait = self._params(
            QueueSid=queue_sid,
            QueuePosition="1",
            QueueTime="0",
            AvgQueueTime="0",
            CurrentQueueSize="1",
        )
        root = self._fetch(_Post(wait_url, wait))
        for verb in root if root is not None else ():
            if verb.tag == "Leave":
                return True
            if verb.tag != "Gather":
                self._verb(verb, wait_url)
                continue
            step = self._gather(verb, wait_url)
            if isinstance(step, _Post):
                answer = self._fetch(step)
                return answer is not None and answer.find("Leave") is not None
            if step is not None:
                return False  # the caller hung up (or has no more scripted answers)
        return False
