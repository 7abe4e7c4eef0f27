"""Virtual callers: each plays one call against the service the way Twilio would.

A caller posts the first webhook, then runs the TwiML it gets back verb by verb:
<Say> is heard, <Gather> is answered with the keys this script wants (posted as Digits to
its action, or to the current URL), <Record> posts a recording (and its transcription
when asked for one), <Dial> posts DialCallStatus to its action (nobody answers the
technician's phone in a benchmark), <Redirect> is followed, <Enqueue> is left at once,
<Hangup> ends the call; then the status callback says the call completed. Every request
is signed and timed by the path it went to.
"""

from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bench.harness import SUPPORT_LINE
from bench.load import Client, Signer

MAX_REQUESTS = 30
STATUS_PATH = "/twilio/voice/status"
_TICKET = re.compile(r"ticket number is ([\d ]+)")
_CALL_SID = re.compile(r"CA[0-9a-fA-F]{32}")
_NUMBER = re.compile(r"/\d+(?=/|$)")


def path_template(path: str) -> str:
    """A path with its CallSid and numbers generalised, to group timings by step."""
    return _NUMBER.sub("/{n}", _CALL_SID.sub("{CallSid}", path))


@dataclass(frozen=True)
class Step:
    """One webhook of a call: where it went, what came back, how long it took."""

    path: str
    status: int
    seconds: float


@dataclass
class CallRecord:
    """What happened on one virtual call."""

    call_sid: str
    from_number: str
    steps: list[Step] = field(default_factory=list)
    said: list[str] = field(default_factory=list)
    ended: str = ""  # hangup | end | error | loop
    error: str | None = None
    ticket_number: int | None = None
    # time.time() when the answer that read the ticket number back arrived (the step that
    # completed the intake and wrote the pages).
    ticket_read_at: float | None = None
    started_at: float = 0.0
    finished_at: float = 0.0

    @property
    def ok(self) -> bool:
        """Ended by the service, every step a 2xx, and a ticket number was spoken."""
        return (
            self.ended == "hangup"
            and self.ticket_number is not None
            and all(200 <= s.status < 300 for s in self.steps)
        )


@dataclass(frozen=True)
class Script:
    """What the caller answers: keys for each kind of prompt, the dial outcome, a message."""

    account_number: str = ""
    menu_key: str = "1"  # business hours: 1 is "this is an emergency"
    confirm_key: str = "1"  # keep the caller ID as the callback number
    callback_number: str = "3365550199"
    dial_status: str = "no-answer"
    message: str = "Our card terminals are down and we cannot take payments."
    recording_seconds: int = 14


def call_params(call_sid: str, from_number: str, account_sid: str) -> dict[str, str]:
    """What Twilio posts with every webhook of an inbound call to the support line."""
    return {
        "CallSid": call_sid,
        "AccountSid": account_sid,
        "From": from_number,
        "Caller": from_number,
        "To": SUPPORT_LINE,
        "Called": SUPPORT_LINE,
        "Direction": "inbound",
        "ApiVersion": "2010-04-01",
    }


def ringing(call_sid: str, from_number: str, account_sid: str) -> dict[str, str]:
    """What Twilio posts with a call's first webhook: the call is ringing."""
    return call_params(call_sid, from_number, account_sid) | {"CallStatus": "ringing"}


class VirtualCaller:
    """Plays calls over one persistent connection (one caller thread, many calls in turn)."""

    def __init__(
        self, client: Client, signer: Signer, account_sid: str, script: Script | None = None
    ) -> None:
        self.client = client
        self.signer = signer
        self.account_sid = account_sid
        self.script = script or Script()
        # Callbacks Twilio posts right after the next request (a transcription).
        self._later: list[tuple[str, dict[str, str]]] = []

    def call(
        self, call_sid: str, from_number: str, start_path: str = "/twilio/voice"
    ) -> CallRecord:
        """Play one whole call from the first ring to the status callback."""
        record = CallRecord(call_sid, from_number, started_at=time.time())
        self._later = []
        base = call_params(call_sid, from_number, self.account_sid)
        try:
            self._play(record, base, start_path)
        except Exception as exc:  # a benchmark reports a broken call, it does not stop
            record.ended, record.error = "error", f"{type(exc).__name__}: {exc}"
        if record.ended != "error":
            self._post(
                record, STATUS_PATH, base | {"CallStatus": "completed", "CallDuration": "60"}
            )
        record.finished_at = time.time()
        return record

    def _post(self, record: CallRecord, path: str, params: Mapping[str, str]) -> bytes:
        answer = self.client.post(self.signer, path, params)
        record.steps.append(Step(path, answer.status, answer.seconds))
        if not 200 <= answer.status < 300:
            raise RuntimeError(f"{path} answered {answer.status}: {answer.body[:200]!r}")
        return answer.body

    def _play(self, record: CallRecord, base: dict[str, str], path: str) -> None:
        params = base | {"CallStatus": "ringing"}
        for _ in range(MAX_REQUESTS):
            body = self._post(record, path, params)
            for later_path, later_params in self._later:
                self._post(record, later_path, base | {"CallStatus": "in-progress"} | later_params)
            self._later = []
            heard_before = len(record.said)
            outcome = self._run(record, path, ET.fromstring(body))
            if record.ticket_number is None:
                spoken = " ".join(record.said[heard_before:])
                found = _TICKET.search(spoken)
                if found:
                    record.ticket_number = int(found[1].replace(" ", ""))
                    record.ticket_read_at = time.time()
            if isinstance(outcome, str):
                record.ended = outcome
                return
            path, extra = outcome
            params = base | {"CallStatus": "in-progress"} | extra
        record.ended = "loop"

    def _run(
        self, record: CallRecord, path: str, document: ET.Element
    ) -> str | tuple[str, dict[str, str]]:
        """Run a TwiML document; return where to post next, or how the call ended."""
        for verb in document:
            if verb.tag == "Say":
                record.said.append(verb.text or "")
            elif verb.tag == "Gather":
                record.said.extend(say.text or "" for say in verb.iter("Say"))
                action = _path(verb.get("action"), path)
                return action, {"Digits": self._keys(action)}
            elif verb.tag == "Record":
                return self._record(record, verb, path)
            elif verb.tag == "Dial":
                action = verb.get("action")
                status = {"DialCallStatus": self.script.dial_status, "DialCallDuration": "0"}
                if action:
                    return _path(action, path), status | {"DialCallSid": "CA" + "0" * 32}
            elif verb.tag == "Redirect":
                return _path(verb.text, path), {}
            elif verb.tag == "Enqueue":
                return "enqueued"
            elif verb.tag in ("Hangup", "Reject"):
                return "hangup"
        return "end"

    def _keys(self, action: str) -> str:
        script = self.script
        if "/account/" in action:
            return script.account_number
        if "/menu/" in action:
            return script.menu_key
        if "/callback/confirm" in action:
            return script.confirm_key
        if "/callback/number/" in action:
            return script.callback_number
        return "1"

    def _record(
        self, record: CallRecord, verb: ET.Element, path: str
    ) -> tuple[str, dict[str, str]]:
        sid = "RE" + record.call_sid[2:]
        url = f"https://api.twilio.com/2010-04-01/Accounts/{self.account_sid}/Recordings/{sid}"
        transcribe = verb.get("transcribeCallback")
        if transcribe:
            # Twilio posts the transcription on its own once the recording is in: here
            # right after the recording's action, before the caller's next step.
            words = {
                "TranscriptionSid": "TR" + record.call_sid[2:],
                "TranscriptionText": self.script.message,
                "TranscriptionStatus": "completed",
                "TranscriptionUrl": url + "/Transcriptions",
                "RecordingUrl": url,
                "RecordingSid": sid,
            }
            self._later.append((_path(transcribe, path), words))
        recording = {
            "RecordingUrl": url,
            "RecordingSid": sid,
            "RecordingDuration": str(self.script.recording_seconds),
            "Digits": "#",
        }
        return _path(verb.get("action"), path), recording


def _path(url: str | None, current: str) -> str:
    """The path to post to: the verb's action (absolute or relative), else the current URL."""
    if not url:
        return current
    return urlsplit(url.strip()).path or current
