"""The call flow: each step takes what is known about the call and returns the next TwiML.

State lives in the URL path (attempt numbers) and in the call's row, which the
webhook turns into a `CallView`; nothing here touches Flask or the database.
"""

from __future__ import annotations

from dataclasses import dataclass

from twilio.twiml.voice_response import Gather, VoiceResponse

from ivr.calendar import EMERGENCY, HELP_DESK
from ivr.payment_notice import NO_MSA_NOTICE
from ivr.phones import spoken_digits, spoken_number
from ivr.queue import join as join_queue
from ivr.transfer import Transfer, ring_technician

PROFESSIONAL_SERVICE = "professional_service"
# Twilio's CallStatus values after which a call is over.
CALL_ENDED = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})

# Recordings longer than two minutes are not transcribed by Twilio, and a page
# must stay short: two minutes is room enough to say what is broken.
MAX_RECORDING_SECONDS = 120
ACCOUNT_TRIES = 2
MENU_TRIES = 2
CALLBACK_TRIES = 2


class Paths:
    """Every action URL of the call flow (the webhooks register the same ones)."""

    START = "/twilio/voice"
    STATUS = "/twilio/voice/status"
    ACCOUNT = "/twilio/voice/account/{attempt}"
    MENU = "/twilio/voice/menu/{attempt}"
    RECORDED = "/twilio/voice/recorded"
    NO_RECORDING = "/twilio/voice/no-recording"
    TRANSCRIPTION = "/twilio/voice/transcription"
    CALLBACK_CONFIRM = "/twilio/voice/callback/confirm"
    CALLBACK_NUMBER = "/twilio/voice/callback/number/{attempt}"
    FALLBACK_MESSAGE = "/twilio/voice/fallback-message"
    # Twilio's Fallback URL for the number (answers without the database), and where the
    # transcription of a message taken after a fault goes.
    FALLBACK = "/twilio/voice/fallback"
    FALLBACK_TRANSCRIPTION = "/twilio/voice/fallback/transcription"


@dataclass(frozen=True)
class CallView:
    """What the flow needs to know about a call in progress."""

    firm_name: str
    service_class: str
    in_business_hours: bool
    client_name: str | None = None
    has_msa: bool = False
    caller_number: str | None = None  # E.164, None when withheld or unparseable
    callback_number: str | None = None
    ticket_number: int | None = None
    transfer: Transfer | None = None  # ring this technician before taking a message
    hours: str = ""  # the business hours in words, said when a callback waits for them
    # What counts as an emergency, said to an after-hours caller before the rates.
    emergency_definition: str = ""


def _say(target: VoiceResponse | Gather, text: str) -> None:
    target.say(text, language="en-US")


def _start(response: VoiceResponse | None) -> VoiceResponse:
    return response if response is not None else VoiceResponse()


def ask_account_number(
    view: CallView, attempt: int, response: VoiceResponse | None = None
) -> VoiceResponse:
    """Ask an unrecognised caller for their account number (keypad)."""
    response = _start(response)
    if attempt == 1:
        _say(response, f"Thank you for calling {view.firm_name}.")
    gather = response.gather(
        action=Paths.ACCOUNT.format(attempt=attempt),
        method="POST",
        finish_on_key="#",
        timeout=8,
        action_on_empty_result=True,
    )
    if attempt == 1:
        _say(gather, "We could not recognise the number you are calling from.")
        _say(gather, "Please enter your account number, then press the pound key.")
    else:
        _say(gather, "Please enter your account number again, then press pound.")
    response.redirect(Paths.ACCOUNT.format(attempt=attempt), method="POST")
    return response


def account_not_found(view: CallView, attempt: int, digits: str) -> VoiceResponse:
    """Tell the caller the number was not found and ask again, or go on without it."""
    response = VoiceResponse()
    if attempt < ACCOUNT_TRIES:
        heard = f"We could not find account {spoken_digits(digits)}." if digits else ""
        _say(response, heard or "We did not receive an account number.")
        return ask_account_number(view, attempt + 1, response)
    _say(response, "We could not find your account, but we will still take your call.")
    return after_identification(view, response)


def after_identification(view: CallView, response: VoiceResponse | None = None) -> VoiceResponse:
    """Greet by name, then either the business-hours menu or the emergency intake."""
    if view.in_business_hours:
        return business_menu(view, 1, response)
    return emergency_intake(view, response)


def business_menu(
    view: CallView, attempt: int, response: VoiceResponse | None = None
) -> VoiceResponse:
    """The business-hours menu: emergency, help desk or professional services."""
    response = _start(response)
    if attempt == 1:
        who = f", {view.client_name}" if view.client_name else ""
        _say(response, f"Thank you for calling {view.firm_name}{who}.")
    gather = response.gather(
        action=Paths.MENU.format(attempt=attempt),
        method="POST",
        num_digits=1,
        timeout=6,
        action_on_empty_result=True,
    )
    _say(
        gather,
        "If this is an emergency, where you cannot take payments or serve customers, press 1.",
    )
    _say(gather, "For the help desk, press 2.")
    _say(gather, "To request scheduled professional services, press 3.")
    response.redirect(Paths.MENU.format(attempt=attempt), method="POST")
    return response


def menu_choice(digits: str, attempt: int) -> str | None:
    """The service class a menu key stands for; None means ask again."""
    choice = {"1": EMERGENCY, "2": HELP_DESK, "3": PROFESSIONAL_SERVICE}.get(digits.strip()[:1])
    if choice is None and attempt >= MENU_TRIES:
        # Nobody pressed a usable key twice: business hours mean help desk by default.
        return HELP_DESK
    return choice


def menu_again(view: CallView, attempt: int) -> VoiceResponse:
    """Say the key was not understood and repeat the menu."""
    response = VoiceResponse()
    _say(response, "Sorry, I did not get that.")
    return business_menu(view, attempt + 1, response)


def _record(response: VoiceResponse) -> None:
    response.record(
        action=Paths.RECORDED,
        method="POST",
        max_length=MAX_RECORDING_SECONDS,
        timeout=8,
        finish_on_key="#",
        play_beep=True,
        transcribe=True,
        transcribe_callback=Paths.TRANSCRIPTION,
    )
    # An empty recording posts no action: Twilio falls through to the next verb.
    response.redirect(Paths.NO_RECORDING, method="POST")


def emergency_intake(view: CallView, response: VoiceResponse | None = None) -> VoiceResponse:
    """Emergency greeting, rates and payment notice, then record what is wrong."""
    response = _start(response)
    who = f", {view.client_name}" if view.client_name else ""
    _say(response, f"You have reached {view.firm_name} emergency service{who}.")
    if view.emergency_definition and not view.in_business_hours:
        # A business-hours caller chose "emergency" from the menu; a caller at night did not.
        _say(response, view.emergency_definition)
    _say(response, "Emergency rates apply to this call.")
    if not view.has_msa:
        _say(response, NO_MSA_NOTICE)
    if view.transfer is not None:
        return ring_technician(view.transfer, response)
    return ask_for_message(response)


def ask_for_message(response: VoiceResponse | None = None) -> VoiceResponse:
    """Record what is wrong (the emergency message)."""
    response = _start(response)
    _say(
        response,
        "After the tone, please describe what is wrong and how it affects your business. "
        "Press the pound key when you are done.",
    )
    _record(response)
    return response


def request_intake(view: CallView) -> VoiceResponse:
    """Professional services by phone: a message for a ticket of that class (help-desk
    callers join the queue instead)."""
    response = VoiceResponse()
    _say(
        response,
        "Professional services. After the tone, tell us what you would like done, "
        "your preferred technician and when, and any limit on hours.",
    )
    _say(response, "Press the pound key when you are done.")
    _record(response)
    return response


def to_help_desk(view: CallView, response: VoiceResponse | None = None) -> VoiceResponse:
    """The help desk in business hours: its terms, then the first-come, first-served queue."""
    return join_queue(response, has_msa=view.has_msa)


def after_menu(view: CallView) -> VoiceResponse:
    """What follows the menu choice already stored on the call."""
    if view.service_class == EMERGENCY:
        return emergency_intake(view)
    if view.service_class == HELP_DESK:
        return to_help_desk(view)
    return request_intake(view)


def ask_callback(view: CallView, *, no_recording: bool = False) -> VoiceResponse:
    """Confirm the caller ID as callback number, or ask for one when there is none."""
    response = VoiceResponse()
    if no_recording:
        _say(response, "We did not hear a message. We will still open your ticket.")
    if view.caller_number:
        # No numDigits: callers key the new number straight in here, and Twilio would
        # otherwise cut it at its first digit and take that for the choice.
        gather = response.gather(
            action=Paths.CALLBACK_CONFIRM,
            method="POST",
            finish_on_key="#",
            timeout=5,
            action_on_empty_result=True,
        )
        _say(gather, f"We will call you back at {spoken_number(view.caller_number)}.")
        _say(
            gather,
            "Press 1 to confirm. For a different number, press 2, "
            "or key it in with the area code and press the pound key.",
        )
        response.redirect(Paths.CALLBACK_CONFIRM, method="POST")
        return response
    return ask_callback_number(1, response=response)


def ask_callback_number(
    attempt: int, *, retry: bool = False, response: VoiceResponse | None = None
) -> VoiceResponse:
    """Ask for a callback number on the keypad."""
    response = _start(response)
    if retry:
        _say(response, "That did not look like a phone number.")
    gather = response.gather(
        action=Paths.CALLBACK_NUMBER.format(attempt=attempt),
        method="POST",
        finish_on_key="#",
        timeout=10,
        action_on_empty_result=True,
    )
    _say(gather, "Please enter the number we should call you back on, with the area code.")
    _say(gather, "Then press the pound key.")
    response.redirect(Paths.CALLBACK_NUMBER.format(attempt=attempt), method="POST")
    return response


def goodbye(view: CallView) -> VoiceResponse:
    """Read back the ticket number, say what happens next, and hang up."""
    response = VoiceResponse()
    number = spoken_digits(str(view.ticket_number or ""))
    _say(response, f"Thank you. Your ticket number is {number}.")
    _say(response, _next_step(view))
    if view.service_class != EMERGENCY and view.hours:
        _say(response, f"Our business hours are {view.hours}.")
    _say(response, f"Again, your ticket number is {number}. Goodbye.")
    response.hangup()
    return response


def _next_step(view: CallView) -> str:
    # One promise to call, with the number in it: "will call you back in business hours
    # and will call you back at ..." is what a bolted-on clause sounded like.
    at = f" at {spoken_number(view.callback_number)}" if view.callback_number else ""
    if view.service_class == EMERGENCY:
        return "The on-call technician is being paged now" + (
            f" and will call you back{at}." if at else "."
        )
    if view.service_class == PROFESSIONAL_SERVICE:
        if at:
            return f"Our team will call you{at} during business hours to schedule it."
        return "Our team will contact you during business hours to schedule it."
    return f"The help desk will call you back{at} in business hours."


def pager_down(view: CallView, forward_to: str | None) -> VoiceResponse:
    """The goodbye of an emergency whose page cannot go out now (the scheduler is silent):
    forward the caller, or tell them the truth; never promise a page."""
    response = VoiceResponse()
    number = spoken_digits(str(view.ticket_number or ""))
    _say(response, f"Thank you. Your ticket number is {number}.")
    _say(response, "We could not page the technician automatically.")
    if forward_to:
        _say(response, "Please hold while we connect you to a technician.")
        response.dial(forward_to, timeout=30)
        _say(response, "Nobody could answer.")
    callback = (
        f" We will call you back at {spoken_number(view.callback_number)}."
        if view.callback_number
        else ""
    )
    _say(response, f"Your message is kept and will be handled as soon as possible.{callback}")
    _say(response, "If you can, please call again in a few minutes.")
    _say(response, f"Again, your ticket number is {number}. Goodbye.")
    response.hangup()
    return response


def apology(firm_name: str, forward_to: str | None) -> VoiceResponse:
    """Safe TwiML for when something failed on our side: forward, or take a message."""
    response = VoiceResponse()
    _say(response, f"We are sorry, the {firm_name} support line has a problem right now.")
    if forward_to:
        _say(response, "Please hold while we connect you to a technician.")
        response.dial(forward_to, timeout=30)
        _say(response, "Nobody could answer. Please leave a message after the tone.")
    else:
        _say(response, "Please leave your name, number and what is wrong after the tone.")
    response.record(
        action=Paths.FALLBACK_MESSAGE,
        method="POST",
        max_length=MAX_RECORDING_SECONDS,
        timeout=8,
        finish_on_key="#",
        play_beep=True,
        transcribe=True,
        transcribe_callback=Paths.FALLBACK_TRANSCRIPTION,
    )
    _say(response, "Thank you. Goodbye.")
    response.hangup()
    return response


def last_resort(firm_name: str) -> VoiceResponse:
    """When even the fallback message cannot be stored: say so plainly and end."""
    response = VoiceResponse()
    _say(
        response,
        f"We are sorry, we could not save your message. Please call {firm_name} again "
        "in a few minutes. Goodbye.",
    )
    response.hangup()
    return response


def fallback_received(firm_name: str) -> VoiceResponse:
    """After a fallback message was stored: confirm and end."""
    response = VoiceResponse()
    _say(response, f"Thank you. Your message has reached {firm_name}. Goodbye.")
    response.hangup()
    return response


def empty() -> VoiceResponse:
    """An empty TwiML document (for callbacks whose answer Twilio ignores)."""
    return VoiceResponse()
