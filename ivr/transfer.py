"""Live transfer: while the caller holds, ring the on-call technician, who presses 1 to take it.

The call's state is in the URL path (CallSid and technician id), so the technician's
leg (the whisper) and the caller's leg (the dial result) find the same call.
"""

from __future__ import annotations

from dataclasses import dataclass

from twilio.twiml.voice_response import VoiceResponse

WHISPER = "/twilio/voice/transfer/{call_sid}/{technician_id}/whisper"
ACCEPT = "/twilio/voice/transfer/{call_sid}/{technician_id}/accept"
RESULT = "/twilio/voice/transfer/{call_sid}/{technician_id}/result"


@dataclass(frozen=True)
class Transfer:
    """Whom to ring, from which number, for how long."""

    call_sid: str
    technician_id: int
    phone: str
    caller_id: str
    seconds: int = 20


def _paths(transfer: Transfer) -> dict[str, str]:
    ids = {"call_sid": transfer.call_sid, "technician_id": transfer.technician_id}
    return {"whisper": WHISPER.format(**ids), "result": RESULT.format(**ids)}


def ring_technician(transfer: Transfer, response: VoiceResponse) -> VoiceResponse:
    """Hold the caller while the technician's phone rings (whisper first, then bridge)."""
    paths = _paths(transfer)
    response.say("Please hold while we try to reach the on-call technician.", language="en-US")
    dial = response.dial(
        action=paths["result"],
        method="POST",
        timeout=transfer.seconds,
        caller_id=transfer.caller_id,
    )
    dial.number(transfer.phone, url=paths["whisper"], method="POST")
    return response


def whisper(client_name: str | None, call_sid: str, technician_id: int) -> VoiceResponse:
    """What the technician hears on answering: who is calling, press 1 to take it."""
    response = VoiceResponse()
    action = ACCEPT.format(call_sid=call_sid, technician_id=technician_id)
    gather = response.gather(action=action, method="POST", num_digits=1, timeout=8)
    who = client_name or "an unidentified caller"
    gather.say(f"Emergency call from {who}. Press 1 to accept.", language="en-US")
    # No key (or voicemail answering): hanging up this leg leaves the caller unbridged.
    response.hangup()
    return response


def accepted() -> VoiceResponse:
    """The technician pressed 1: an empty answer lets Twilio bridge the two legs."""
    response = VoiceResponse()
    response.say("Connecting you now.", language="en-US")
    return response


def declined() -> VoiceResponse:
    """Any other key: hang up the technician's leg; the caller goes on to leave a message."""
    response = VoiceResponse()
    response.hangup()
    return response


def after_live_call() -> VoiceResponse:
    """The caller spoke with the technician and the bridge ended."""
    response = VoiceResponse()
    response.say("Thank you for calling. Goodbye.", language="en-US")
    response.hangup()
    return response


def nobody_took_it(response: VoiceResponse) -> VoiceResponse:
    """The technician did not accept in time: say so before taking a message."""
    response.say(
        "The technician could not take your call right now. They are being paged.",
        language="en-US",
    )
    return response
