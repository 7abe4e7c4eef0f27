"""What the console's phone simulator does with calls: place the caller's, answer or let
ring out a technician's phone, follow a redirect, hang up calls it forgot."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask

from sandbox.phone.legs import RINGING, LegCall, LegEvent, report_status, sandbox_of
from sandbox.phone.simulator import SimState, sim_store
from sandbox.twilio.caller import CallTranscript
from sandbox.twilio.store import SandboxCall
from ticketing.errors import DomainError


def place_call(app: Flask, state: SimState) -> SimState:
    """Place the simulated caller's call; the sandbox knows it, so it can be redirected."""
    leg = LegCall(app, state)
    leg.sims.put(state)
    leg.sandbox.add_call(
        SandboxCall(
            sid=leg.transcript.call_sid,
            account_sid=leg.account_sid,
            to=leg.to_number,
            from_=state.from_number,
            url=leg.base_url + "/twilio/voice",
            twiml=None,
            date_created=datetime.now(UTC),
            status="in-progress",
            direction="inbound",
        )
    )
    return leg.advance()


def _ringing(app: Flask, call_sid: str) -> SandboxCall:
    call = sandbox_of(app).call(call_sid)
    if call is None or call.direction == "inbound" or call.status not in RINGING:
        raise DomainError("That call is not ringing any more.")
    return call


def answer_call(app: Flask, call_sid: str) -> SimState:
    """Pick up a ringing call the service placed (or a <Dial> rang) and play its TwiML."""
    call = _ringing(app, call_sid)
    sims = sim_store(app)
    leg = SimState(
        id=sims.new_id(),
        from_number=call.from_,
        at=None,
        started_at=datetime.now(UTC),
        sms_since=0,
        calls_since=0,
        transcript=CallTranscript(call_sid=call.sid),
        direction=call.direction,
        to_number=call.to,
        answer_url=call.url,
        detects_machines=bool(call.machine_detection),
        parent_sid=call.parent_call_sid,
    )
    report_status(app, call, "ringing")
    report_status(app, call, "in-progress")
    sims.put(leg)  # findable by the caller it may dequeue or bridge to
    LegCall(app, leg).advance()
    sims.put(leg)
    return leg


def decline_call(app: Flask, call_sid: str) -> None:
    """Let a ringing call ring out: Twilio's no-answer, to its creator or its <Dial>."""
    call = _ringing(app, call_sid)
    report_status(app, call, "no-answer")
    parent = sim_store(app).by_call_sid(call.parent_call_sid or "")
    if parent is not None and not parent.ended and parent.dialing == call.sid:
        LegCall(app, parent).advance(LegEvent("dial-ended", status="no-answer"))
        sim_store(app).put(parent)


def catch_up(app: Flask, state: SimState) -> None:
    """Follow a redirect the service made to this live call since the leg last played."""
    call = sandbox_of(app).call(state.transcript.call_sid)
    if state.ended or call is None or len(call.redirects) <= state.redirects_seen:
        return
    state.redirects_seen = len(call.redirects)
    LegCall(app, state).redirected(call.redirects[-1])
    sim_store(app).put(state)


def hang_up_dropped(app: Flask) -> None:
    """Hang up the calls the simulator forgot while they were still on the line."""
    for state in sim_store(app).dropped():
        LegCall(app, state).end("caller")
