"""Offering a waiting help-desk caller to a technician, and the call back that keeps a
caller's place in line, as TwiML.

The technician's phone is rung by an outbound call whose TwiML is the whisper: who is
waiting and which ticket, 1 to take the call, 2 to pass. Taking a live caller dials the
help-desk queue (Twilio hands over the caller at its front, which is why only that caller
is ever offered); taking a callback dials the caller's number from the support line.
"""

from __future__ import annotations

from twilio.twiml.voice_response import VoiceResponse

from ivr.phones import spoken_digits, spoken_number
from ivr.queue import CAPPED_NOTICE, CAPPED_SESSION_SECONDS, QUEUE_NAME, QueuePaths

KEY_TIMEOUT_SECONDS = 8
# How long the caller's phone rings when called back before we give up on them.
CALLBACK_RING_SECONDS = 30
CALLBACK_KEY = "1"


class OfferPaths:
    """Every URL of an offer (the webhooks register the same ones)."""

    WHISPER = "/twilio/voice/helpdesk/offer/{offer_id}"
    KEY = "/twilio/voice/helpdesk/offer/{offer_id}/key"
    ENDED = "/twilio/voice/helpdesk/offer/{offer_id}/ended"


def _say(response: VoiceResponse, text: str) -> None:
    response.say(text, language="en-US")


def whisper(
    offer_id: int, client_name: str | None, ticket: int, *, callback: bool
) -> VoiceResponse:
    """What the technician hears on answering: who waits, which ticket, 1 takes, 2 passes."""
    response = VoiceResponse()
    key = OfferPaths.KEY.format(offer_id=offer_id)
    who = client_name or "an unidentified caller"
    what = "Help desk callback" if callback else "Help desk caller"
    take = "to call them back now" if callback else "to take the call"
    gather = response.gather(action=key, method="POST", num_digits=1, timeout=KEY_TIMEOUT_SECONDS)
    for _ in range(2):
        gather.say(
            f"{what}: {who}, ticket {spoken_digits(str(ticket))}. Press 1 {take}, 2 to pass.",
            language="en-US",
        )
    # No key: the same action without digits, which counts as not answered.
    response.redirect(key, method="POST")
    return response


def take_caller(offer_id: int, technician_id: int, *, capped: bool) -> VoiceResponse:
    """1 on a live caller: bridge the technician to the caller at the queue's front."""
    response = VoiceResponse()
    _say(response, "Connecting you to the caller.")
    if capped:
        _say(response, CAPPED_NOTICE)
    ended = OfferPaths.ENDED.format(offer_id=offer_id)
    dial = response.dial(action=ended, method="POST")
    if capped:
        dial.time_limit = CAPPED_SESSION_SECONDS
    dial.queue(
        QUEUE_NAME,
        url=QueuePaths.CONNECT.format(technician_id=technician_id, capped=int(capped)),
        method="POST",
    )
    return response


def call_back(offer_id: int, number: str, caller_id: str, *, capped: bool) -> VoiceResponse:
    """1 on a callback: the technician holds while the caller's phone rings."""
    response = VoiceResponse()
    _say(response, f"Calling the caller back at {spoken_number(number)}.")
    ended = OfferPaths.ENDED.format(offer_id=offer_id)
    dial = response.dial(
        action=ended, method="POST", caller_id=caller_id, timeout=CALLBACK_RING_SECONDS
    )
    if capped:
        dial.time_limit = CAPPED_SESSION_SECONDS
    dial.number(number)
    return response


def gone(reason: str) -> VoiceResponse:
    """The offer is over before the technician took it: say why, hang up."""
    response = VoiceResponse()
    _say(response, reason)
    response.hangup()
    return response


CALLER_LEFT = "The caller has left. Goodbye."
NOT_OFFERED = "This caller no longer needs you. Goodbye."
PASSED = "We will offer the caller to the next technician. Goodbye."


def session_over(*, reached: bool) -> VoiceResponse:
    """After the bridge (or a callback nobody answered), on the technician's leg."""
    response = VoiceResponse()
    if reached:
        _say(response, "The help-desk session has ended. Goodbye.")
    else:
        _say(response, "The caller did not answer. Goodbye.")
    response.hangup()
    return response


def keeping_place(number: str) -> VoiceResponse:
    """The caller pressed 1 while waiting: they keep their place and we will call back."""
    response = VoiceResponse()
    _say(
        response,
        f"Thank you. You keep your place in line, and we will call you back at "
        f"{spoken_number(number)} when it is your turn. Goodbye.",
    )
    response.hangup()
    return response


NO_CALLBACK_NUMBER = "We cannot see a number to call you back on, so you will stay in line instead."
