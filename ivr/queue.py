"""The help-desk queue as TwiML: joining it, the announcements while waiting, leaving it,
and the technician's side of the bridge.

Pure: the webhooks pass plain values (positions, seconds, flags); nothing here touches
Flask or the database. The call flow's message path is not imported here (it imports
this module); the webhooks put the two together.
"""

from __future__ import annotations

from twilio.twiml.voice_response import Gather, VoiceResponse

from ivr.payment_notice import NO_MSA_NOTICE
from ivr.phones import spoken_digits

QUEUE_NAME = "helpdesk"
# The firm "has the right to limit Help Desk sessions to 30 minutes when call volume is high".
CAPPED_SESSION_SECONDS = 30 * 60
# Silence after each announcement when no hold music is set: with the prompt and the 5 s
# keypad wait, the caller hears an updated position about once a minute.
HOLD_PAUSE_SECONDS = 40
KEY_TIMEOUT_SECONDS = 5
REPRESENTATIVE_NOTICE = (
    "A representative of your organisation must take part in the session, "
    "as our terms of service require."
)
LEAVE_OFFER = (
    "Press 1 to hang up and keep your place in line: we will call you back when it is your "
    "turn. Press any other key to leave a message instead."
)
# Both sides hear it as the session starts: the caller on the Queue url, the technician
# before the Dial.
CAPPED_NOTICE = "This session is limited to 30 minutes because others are waiting."


class QueuePaths:
    """Every URL of the help-desk queue (the webhooks register the same ones)."""

    WAIT = "/twilio/voice/queue/wait"
    KEY = "/twilio/voice/queue/key"
    DONE = "/twilio/voice/queue/done"
    BRIDGE = "/twilio/voice/helpdesk/bridge/{technician_id}"
    CONNECT = "/twilio/voice/helpdesk/connect/{technician_id}/{capped}"


def _say(target: VoiceResponse | Gather, text: str) -> None:
    target.say(text, language="en-US")


def join(response: VoiceResponse | None = None, *, has_msa: bool = True) -> VoiceResponse:
    """The help desk's terms (and, without an MSA, that billing will call), then the caller
    waits in the first-come, first-served queue."""
    response = response if response is not None else VoiceResponse()
    _say(response, f"Help desk. {REPRESENTATIVE_NOTICE}")
    if not has_msa:
        _say(response, NO_MSA_NOTICE)
    _say(response, "Please stay on the line for the next available technician.")
    response.enqueue(
        QUEUE_NAME,
        wait_url=QueuePaths.WAIT,
        wait_url_method="POST",
        action=QueuePaths.DONE,
        method="POST",
    )
    return response


def wait_words(seconds: int) -> str:
    """A wait as a caller hears it: "less than a minute", "about 1 minute", "about 7 minutes"."""
    minutes = round(seconds / 60)
    if minutes < 1:
        return "less than a minute"
    return f"about {minutes} minute{'s' if minutes != 1 else ''}"


def waiting(
    position: int,
    wait_seconds: int,
    hold_music_url: str | None,
    *,
    ticket_number: int | None = None,
) -> VoiceResponse:
    """What a waiting caller hears each round: their ticket, place in line, the estimate,
    the way out; then hold music (or silence) until the next round."""
    response = VoiceResponse()
    gather = response.gather(
        num_digits=1,
        action=QueuePaths.KEY,
        method="POST",
        timeout=KEY_TIMEOUT_SECONDS,
    )
    if ticket_number is not None:
        _say(gather, f"Your ticket number is {spoken_digits(str(ticket_number))}.")
    _say(gather, f"You are number {position} in line.")
    _say(gather, f"The expected wait is {wait_words(wait_seconds)}.")
    _say(gather, LEAVE_OFFER)
    # When the document ends Twilio fetches the wait URL again: a fresh position. Twilio
    # plays the whole track first, so the track's length sets the announcements' pace.
    if hold_music_url:
        response.play(hold_music_url)
    else:
        response.pause(length=HOLD_PAUSE_SECONDS)
    return response


def hold_on() -> VoiceResponse:
    """Keep a caller waiting when their position cannot be told (a fault on our side)."""
    response = VoiceResponse()
    gather = response.gather(
        num_digits=1, action=QueuePaths.KEY, method="POST", timeout=KEY_TIMEOUT_SECONDS
    )
    _say(gather, "Thank you for holding. A technician will be with you as soon as possible.")
    _say(gather, LEAVE_OFFER)
    response.pause(length=HOLD_PAUSE_SECONDS)
    return response


def closing(firm_name: str, hours: str) -> VoiceResponse:
    """Still waiting at closing time: say so, with the hours in words when they are known,
    and leave the queue to take a message."""
    response = VoiceResponse()
    _say(response, f"We are sorry, the {firm_name} help desk is now closed for the day.")
    if hours:
        _say(response, f"Our business hours are {hours}.")
    _say(response, "Please leave a message and we will call you back in business hours.")
    response.leave()
    return response


def leave() -> VoiceResponse:
    """The caller pressed a key: leave the queue (Twilio then posts the Enqueue action)."""
    response = VoiceResponse()
    response.leave()
    return response


def before_message(outcome: str) -> VoiceResponse:
    """What precedes the message prompt once the caller is out of the queue."""
    response = VoiceResponse()
    if outcome == "error":
        _say(response, "We are sorry, we could not keep you in the help-desk queue.")
    elif outcome == "message":
        _say(response, "You have left the queue. The help desk will call you back.")
    return response


def after_session(firm_name: str) -> VoiceResponse:
    """The technician ended the session: thank the caller and hang up."""
    response = VoiceResponse()
    _say(response, f"Thank you for calling {firm_name}. Goodbye.")
    response.hangup()
    return response


def hang_up() -> VoiceResponse:
    """For a caller already gone (Twilio ignores this answer)."""
    response = VoiceResponse()
    response.hangup()
    return response


def nobody_waiting() -> VoiceResponse:
    """The technician answered but the queue is empty by now."""
    response = VoiceResponse()
    _say(response, "Nobody is waiting. Goodbye.")
    response.hangup()
    return response


def bridge(technician_id: int, *, capped: bool) -> VoiceResponse:
    """The technician takes the caller who waited longest (capped at 30 minutes when busy)."""
    response = VoiceResponse()
    _say(response, "Connecting you to the next caller.")
    if capped:
        _say(response, CAPPED_NOTICE)
    dial = response.dial(time_limit=CAPPED_SESSION_SECONDS) if capped else response.dial()
    url = QueuePaths.CONNECT.format(technician_id=technician_id, capped=int(capped))
    dial.queue(QUEUE_NAME, url=url, method="POST")
    return response


def connected(*, capped: bool) -> VoiceResponse:
    """What the dequeued caller hears just before the bridge."""
    response = VoiceResponse()
    _say(response, "You are now connected to a technician.")
    if capped:
        _say(response, CAPPED_NOTICE)
    return response
