"""The phone simulator's other parties, and what Twilio does between two calls.

A call the service places through the sandbox's REST API (a voice page, a help-desk
bridge, a whisper) rings until someone answers it on the technician's side; answering
plays its TwiML like any simulated call, keys and all. A <Dial> rings a phone the same way
and bridges the two legs once the answered leg's own TwiML (a whisper) ends; a
<Dial><Queue> takes the caller who has waited longest in that queue, plays them the
Queue's url and bridges them; either party hanging up ends the bridge, and the other one
goes on as on Twilio (the Dial action, or the Enqueue action with QueueResult=bridged).
A redirect through the REST API moves the leg to the new TwiML.

Every leg is a StepCall over a SimState in the same SimStore; a leg that changes another
plays that one on within the same request (the console's step lock is held).
"""

from __future__ import annotations

import contextlib
import math
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import urljoin

import requests
from flask import Flask
from twilio.request_validator import RequestValidator

from sandbox import context
from sandbox.phone.simulator import (
    _NOT_YET,
    SimState,
    StepCall,
    _Paused,
    post_signed,
    sim_store,
)
from sandbox.twilio.caller import Post, Step, signed_headers
from sandbox.twilio.store import CallRedirect, SandboxCall, SandboxStore, new_sid

RINGING = ("queued", "ringing")
FINAL = ("completed", "busy", "no-answer", "canceled", "failed")
# CallStatus → the StatusCallbackEvent that asks for it.
EVENT_OF = {"ringing": "ringing", "in-progress": "answered"}


@dataclass(frozen=True)
class LegEvent:
    """What the other party did, handed to a paused leg in place of an answer."""

    kind: str  # dequeued | bridged | unbridged | dial-ended
    partner: str = ""  # the other leg's sim id
    url: str | None = None  # dequeued: the Queue noun's url, played before the bridge
    status: str = ""  # dial-ended: the DialCallStatus


def sandbox_of(app: Flask) -> SandboxStore:
    """The app's Twilio sandbox store."""
    store: SandboxStore = app.extensions["sandbox"]
    return store


def report_status(app: Flask, call: SandboxCall, status: str, duration: int = 0) -> None:
    """Move `call` to `status` and post the status callback its creator asked for."""
    sandbox_of(app).set_call_status(call, status)
    event = "completed" if status in FINAL else EVENT_OF.get(status, status)
    if not call.status_callback or (status not in FINAL and event not in call.status_events):
        return
    settings = context.settings_of(app)
    params = {
        "CallSid": call.sid,
        "AccountSid": call.account_sid,
        "From": call.from_,
        "To": call.to,
        "Direction": call.direction,
        "CallStatus": status,
        "ApiVersion": "2010-04-01",
        "CallbackSource": "call-progress-events",
        "Timestamp": format_datetime(datetime.now(UTC)),
    }
    if status in FINAL:
        params["CallDuration"] = str(duration)
    headers = signed_headers(
        RequestValidator(settings.twilio_auth_token), call.status_callback, params
    )
    # Twilio ignores how a status callback is answered, and whether it is.
    with contextlib.suppress(requests.RequestException):
        post_signed(app, call.status_callback, params, headers)


class LegCall(StepCall):
    """A simulated call that other legs can ring, dequeue, bridge and hang up on."""

    def __init__(self, app: Flask, state: SimState) -> None:
        super().__init__(app, state)
        self.sims = sim_store(app)
        self.sandbox = sandbox_of(app)

    # --- entry points ---------------------------------------------------------------

    def advance(self, answer: str | object | None = _NOT_YET) -> SimState:
        """Play on with the answer, or with what the other party did (a LegEvent)."""
        if self.state.on_bridge:
            return self._on_bridge(answer)
        return super().advance(answer)

    def redirected(self, redirect: CallRedirect) -> SimState:
        """The service moved this live call: leave any bridge, then the new TwiML or the end."""
        self._unbridge()
        self._stop_dialing()
        self.state.on_bridge = False
        self._note("🔀 the service redirects the call")
        if redirect.url:
            return self.follow(redirect.url)
        if redirect.twiml:
            root = ET.fromstring(redirect.twiml)
            return self._run(lambda: self._walk(self._play(root, self.base_url + "/")))
        return self.end("hangup")

    # --- other legs -----------------------------------------------------------------

    def _other(self, sim_id: str | None) -> SimState | None:
        return self.sims.get(sim_id) if sim_id else None

    def _tell(self, state: SimState, event: LegEvent) -> None:
        """Play another leg on with what this one did, and keep it."""
        if not state.ended:
            LegCall(self.app, state).advance(event)
            self.sims.put(state)

    def _unbridge(self) -> None:
        """Leave the bridge: the other party hears it end."""
        partner = self._other(self.state.bridged_with)
        self.state.bridged_with = None
        if partner is not None and partner.bridged_with == self.state.id:
            partner.bridged_with = None
            self._tell(partner, LegEvent("unbridged", partner=self.state.id))

    def _stop_dialing(self) -> None:
        """Hang up the phone this leg's <Dial> rings (answered or not)."""
        sid, self.state.dialing = self.state.dialing, None
        child = self.sandbox.call(sid) if sid else None
        if child is None:
            return
        leg = self.sims.by_call_sid(child.sid)
        if leg is not None and not leg.ended:
            LegCall(self.app, leg).end("canceled")
            self.sims.put(leg)
        elif child.status in RINGING:
            self.sandbox.set_call_status(child, "canceled")

    def _parent(self) -> SimState | None:
        """The leg whose <Dial> rings this one, while it still does."""
        if self.state.direction != "outbound-dial" or not self.state.parent_sid:
            return None
        parent = self.sims.by_call_sid(self.state.parent_sid)
        if parent is None or parent.ended or parent.dialing != self.transcript.call_sid:
            return None
        return parent

    # --- the end of a leg -----------------------------------------------------------

    def _finish(self, reason: str) -> None:
        self._unbridge()
        self._stop_dialing()
        if self.state.direction == "inbound":
            super()._finish(reason)
        else:
            self.transcript.ended = reason
            self.transcript.duration = max(1, math.ceil(self._seconds))
            self.out(f"📴 call ended ({reason}, {self.transcript.duration} s)")
        call = self.sandbox.call(self.transcript.call_sid)
        if call is not None:
            status = "busy" if reason == "rejected" else "completed"
            report_status(self.app, call, status, self.transcript.duration)
        parent = self._parent()
        if parent is not None:
            self._tell(parent, LegEvent("dial-ended", status="completed"))

    def _step_until_end(self) -> str | None:
        step = super()._step_until_end()
        parent = self._parent() if step in (None, "end") else None
        if parent is None:
            return step
        # A dialled leg whose own TwiML (the whisper) ended without hanging up: bridged.
        self.state.on_bridge, self.state.bridged_with = True, parent.id
        self._tell(parent, LegEvent("bridged", partner=self.state.id))
        if parent.bridged_with != self.state.id:
            self.state.on_bridge, self.state.bridged_with = False, None
            return step
        self._note("🔗 connected to the caller")
        raise _Paused()

    def _on_bridge(self, answer: Any) -> SimState:
        if answer is _NOT_YET or (isinstance(answer, LegEvent) and answer.kind != "unbridged"):
            return self.state
        self.state.on_bridge = False
        if answer is None:
            self._note("📴 hangs up")
            return self.end("caller")
        return self.end("end")

    # --- <Dial> ---------------------------------------------------------------------

    def _event(self) -> LegEvent | None:
        """The other party's news, taken as this step's answer (and heard, not replayed)."""
        if not isinstance(self._answer, LegEvent):
            return None
        event, self._answer, self._replaying = self._answer, _NOT_YET, False
        return event

    def _hangs_up_here(self) -> bool:
        """This party hangs up while dialling or bridged."""
        if self._answer is not None:
            return False
        self._answer = _NOT_YET
        self._note("📴 hangs up")
        return True

    def _dial(self, el: ET.Element, url: str) -> Step:
        event = self._event()
        if event is not None and event.kind == "bridged":
            self.state.bridged_with = event.partner
            self._note("🔗 connected: the call is answered")
            raise _Paused()
        if event is not None:
            self.state.bridged_with, self.state.dialing = None, None
            return self._dial_result(el, url, event.status or "completed")
        if self.state.dialing or self.state.bridged_with:
            if not self._hangs_up_here():
                raise _Paused()
            self._dial_callback(el, url, "completed" if self.state.bridged_with else "no-answer")
            return "caller"
        queue = el.find("Queue")
        if queue is not None:
            return self._dequeue(el, url, queue)
        number = el.find("Number")
        to = (number.text if number is not None else el.text) or ""
        if to.strip():
            return self._ring(el, url, to.strip(), number)
        return super()._dial(el, url)

    def _dial_result(self, el: ET.Element, url: str, status: str) -> Step:
        self._note(f"📞 the dialled call ended ({status})")
        action = el.get("action")
        if not action:
            return None  # Twilio carries on with the verb after <Dial>
        params = self._params(DialCallStatus=status, DialCallSid=new_sid("CA"))
        return Post(urljoin(url, action), params)

    def _dial_callback(self, el: ET.Element, url: str, status: str) -> None:
        """This party hung up: Twilio still requests the Dial action (and ignores its TwiML)."""
        action = el.get("action")
        if action:
            params = self._params(DialCallStatus=status, CallStatus="completed")
            self._callback(urljoin(url, action), params)

    def _ring(self, el: ET.Element, url: str, to: str, number: ET.Element | None) -> Step:
        """Ring `to`: a call the technician's side can answer (its url is the whisper)."""
        whisper = number.get("url") if number is not None else None
        child = SandboxCall(
            sid=new_sid("CA"),
            account_sid=self.account_sid,
            to=to,
            from_=el.get("callerId") or self.from_number,
            url=urljoin(url, whisper) if whisper else None,
            twiml=None,
            date_created=datetime.now(UTC),
            timeout=int(el.get("timeout", "30") or 30),
            status="ringing",
            direction="outbound-dial",
            parent_call_sid=self.transcript.call_sid,
        )
        self.sandbox.add_call(child)
        self.state.dialing = child.sid
        self._note(f"📞 ringing {to}… (answer it on the technician's side)")
        raise _Paused()

    def _dequeue(self, el: ET.Element, url: str, queue: ET.Element) -> Step:
        """<Dial><Queue>: bridge to the caller who has waited longest, as Twilio does."""
        name = (queue.text or "").strip()
        caller = self.sims.first_in(name)
        if caller is None:
            self._note(f"📞 nobody waits in the {name!r} queue of the simulator")
            return self._dial_result(el, url, "no-answer")
        played = urljoin(url, queue.get("url") or "") if queue.get("url") else None
        self._tell(caller, LegEvent("dequeued", partner=self.state.id, url=played))
        if caller.ended or caller.bridged_with != self.state.id:
            return self._dial_result(el, url, "failed")
        self.state.bridged_with = caller.id
        self._note(f"🔗 connected to the caller from {caller.from_number}")
        raise _Paused()

    # --- <Enqueue> ------------------------------------------------------------------

    def _queue_time(self) -> str:
        since = self.state.queued_at
        return str(round(time.monotonic() - since)) if since is not None else "0"

    def _enqueue(self, el: ET.Element, url: str) -> Step:
        self.state.queue = (el.text or "").strip()
        if self.state.queued_at is None:
            self.state.queued_at = time.monotonic()
        event = self._event()
        if event is not None and event.kind == "dequeued":
            return self._dequeued(event)
        if event is not None:  # the technician ended the session
            self.state.bridged_with = None
            return self._left_queue(el, url, "bridged")
        if self.state.bridged_with is not None:
            if not self._hangs_up_here():
                raise _Paused()
            action = el.get("action")
            if action:
                params = self._params(QueueResult="bridged", QueueTime=self._queue_time())
                self._callback(urljoin(url, action), params)
            return "caller"
        return super()._enqueue(el, url)

    def _waiting_line(self, queue: str) -> str:
        return f"⏳ waiting in queue {queue!r}: a technician's phone that dials it takes you"

    def _dequeued(self, event: LegEvent) -> Step:
        """A technician's <Dial><Queue> took this caller: hear the Queue's url, then talk."""
        self.state.bridged_with = event.partner
        partner = self._other(event.partner)
        if event.url:
            params = self._params(
                QueueSid=new_sid("QU"),
                QueueTime=self._queue_time(),
                DequeueingCallSid=partner.transcript.call_sid if partner else "",
            )
            root = self._fetch(Post(event.url, params))
            for verb in root if root is not None else ():
                if verb.tag in ("Say", "Play", "Pause"):
                    self._verb(verb, event.url)
        self._note("🔗 connected to the technician")
        raise _Paused()

    def _left_queue(self, el: ET.Element, url: str, result: str) -> Step:
        action = el.get("action")
        if not action:
            return None
        params = self._params(
            QueueResult=result, QueueSid=new_sid("QU"), QueueTime=self._queue_time()
        )
        return Post(urljoin(url, action), params)
