"""Voice pages: what a technician hears when the escalation rings them, as TwiML.

Pure: the webhook passes a `PageView` of plain values; nothing here touches Flask
or the database. Ticket statuses are the plain strings the ticket row holds.
"""

from __future__ import annotations

from dataclasses import dataclass

from twilio.twiml.voice_response import Gather, VoiceResponse

from ivr.phones import spoken_digits, spoken_number

PAGE = "/twilio/voice/page/{page_id}"
KEY = "/twilio/voice/page/{page_id}/key"
STATUS = "/twilio/voice/page/status"
MENU = (
    "Press 4 to acknowledge, 6 to resolve, 5 to escalate, "
    "1 to be connected to the caller, 3 if it is not an emergency, star to repeat."
)
# Text-to-speech of a long transcription would keep a woken technician on the line.
MAX_SPOKEN_DESCRIPTION = 600
# What each key does ("connect" acknowledges first; "repeat" reads the page again).
KEYS = {
    "4": "ack",
    "6": "resolve",
    "5": "escalate",
    "1": "connect",
    "3": "not_emergency",
    "*": "repeat",
}


@dataclass(frozen=True)
class PageView:
    """What a voice page needs to know about its ticket and its technician."""

    page_id: int
    firm_name: str
    ticket_number: int
    client_name: str | None
    description: str | None
    has_recording: bool
    callback_number: str | None
    status: str  # open | acknowledged | resolved
    emergency: bool
    holder: str | None = None  # who acknowledged it
    mine: bool = False  # the holder is the technician on this call
    also: tuple[int, ...] = ()  # other open emergencies this one call rings for
    joined: int = 0  # the company's emergencies that joined this one's escalation
    drill: bool = False  # a rehearsal (`intake drill call`): said first, every time

    @property
    def waiting(self) -> int:
        """How many emergencies this call rings for."""
        return 1 + len(self.also)


def _say(target: VoiceResponse | Gather, text: str) -> None:
    target.say(text, language="en-US")


DRILL = "DRILL. This is a drill, not a real emergency."


def _drill(view: PageView) -> str:
    """What a drill's page says before anything else ("" for a real one)."""
    return f"{DRILL} " if view.drill else ""


def _number(view: PageView) -> str:
    return f"ticket {spoken_digits(str(view.ticket_number))}"


def _starting(view: PageView) -> str:
    """The ticket number to start a sentence with: "Ticket 1 0 4 2"."""
    return _number(view).capitalize()


def _goodbye(response: VoiceResponse, text: str) -> VoiceResponse:
    _say(response, f"{text} Goodbye.".strip())
    response.hangup()
    return response


def is_machine(answered_by: str) -> bool:
    """True when machine detection says a voicemail or fax answered, not a person."""
    value = answered_by.strip().lower()
    return value.startswith("machine") or value == "fax"


def voicemail(view: PageView) -> VoiceResponse:
    """A short message for the voicemail, then hang up (the texts carry the details)."""
    who = f", {view.client_name}" if view.client_name else ""
    count = f", {view.waiting} emergencies waiting" if view.also else ""
    response = VoiceResponse()
    _say(
        response,
        f"{_drill(view)}Emergency page from {view.firm_name}{count}, {_number(view)}{who}. "
        "Check your texts.",
    )
    response.hangup()
    return response


def inactive() -> VoiceResponse:
    """The page or its ticket no longer exists."""
    return _goodbye(VoiceResponse(), "This page is no longer active.")


def page_error(firm_name: str) -> VoiceResponse:
    """Safe TwiML when reading the page failed on our side."""
    return _goodbye(
        VoiceResponse(),
        f"This is an emergency page from {firm_name}, but it could not be read. "
        "Please check your texts.",
    )


def _ticket_text(view: PageView) -> str:
    where = f" from {view.client_name}" if view.client_name else ""
    if view.description:
        words = view.description[:MAX_SPOKEN_DESCRIPTION]
        said = f"The caller said: {words}"
    elif view.has_recording:
        said = "The caller left a recorded message, sent to you by text."
    else:
        said = "The caller left no message."
    callback = (
        f"Call back number {spoken_number(view.callback_number)}."
        if view.callback_number
        else "There is no call back number."
    )
    said = said if said.endswith((".", "!", "?")) else said + "."
    company = ""
    if view.joined:
        company = (
            f" The same company has {view.joined} more emergency "
            f"{'ticket' if view.joined == 1 else 'tickets'} on this page; "
            "acknowledging takes them all."
        )
    return f"Emergency {_number(view)}{where}. {said} {callback}{company}"


def _waiting(view: PageView) -> str:
    """What a call ringing for several emergencies says first ("" for one)."""
    if not view.also:
        return ""
    return f"You have {view.waiting} emergencies waiting. "


def _also(view: PageView) -> str:
    """The other emergencies of the call, after the first one's reading."""
    if not view.also:
        return ""
    numbers = ", ".join(f"ticket {spoken_digits(str(n))}" for n in view.also)
    return f" Also waiting: {numbers}. Their details are in your texts."


def _menu(view: PageView) -> str:
    if not view.also:
        return MENU
    return (
        f"Press 4 to acknowledge all {view.waiting}. For {_number(view)} only: 6 to resolve, "
        "5 to escalate, 1 to be connected to the caller, 3 if it is not an emergency. "
        "Star to repeat."
    )


def closed_reason(view: PageView) -> str | None:
    """Why there is nothing left to do on this page (resolved, moved, taken), or None."""
    if view.status == "resolved":
        return f"{_starting(view)} is already resolved."
    if not view.emergency:
        return f"{_starting(view)} is no longer an emergency: the help desk has it."
    if view.holder and not view.mine:
        return f"{_starting(view)} was already acknowledged by {view.holder}."
    return None


def _gather(response: VoiceResponse, view: PageView) -> Gather:
    return response.gather(
        action=KEY.format(page_id=view.page_id), method="POST", num_digits=1, timeout=6
    )


def read_page(view: PageView) -> VoiceResponse:
    """Read the ticket and the key menu, once more if no key is pressed, then goodbye."""
    response = VoiceResponse()
    closed = closed_reason(view)
    if closed:
        return _goodbye(response, closed)
    for lead in (_waiting(view), "Again. "):
        # No key: Twilio falls through to the next verb, so the repeat needs no URL.
        gather = _gather(response, view)
        _say(gather, _drill(view) + lead + _ticket_text(view) + _also(view))
        _say(gather, _menu(view))
    return _goodbye(response, "No key was pressed. The page is also in your texts.")


def menu_again(view: PageView, intro: str) -> VoiceResponse:
    """Say `intro`, then only the key menu (once), then goodbye."""
    response = VoiceResponse()
    _say(response, intro)
    _say(_gather(response, view), _menu(view))
    return _goodbye(response, "No key was pressed.")


def after_action(view: PageView, action: str, done: bool) -> VoiceResponse:
    """Confirm a key's action, or say why the ticket's state ruled it out."""
    response = VoiceResponse()
    if not done:
        closed = closed_reason(view)
        if closed is None and view.mine:
            closed = f"You already have {_number(view)}."
        return _goodbye(response, closed or "There is nobody left to escalate to.")
    taken = f"All {view.waiting} emergencies are" if view.also else f"{_starting(view)} is"
    confirmations = {
        "ack": f"Thank you. {taken} yours, and paging has stopped.",
        "resolve": f"{_starting(view)} is resolved. Thank you.",
        "escalate": "Escalating now: the next technician is being paged.",
        "not_emergency": (
            f"{_starting(view)} is moved to the help desk and paging has stopped. "
            "The client's representative is being told."
        ),
    }
    return _goodbye(response, confirmations[action])


def connect(view: PageView, caller_id: str) -> VoiceResponse:
    """Bridge the technician to the caller's callback number, or say there is none."""
    response = VoiceResponse()
    if not view.callback_number:
        return _goodbye(
            response,
            f"{_starting(view)} is yours, but there is no call back number on it.",
        )
    _say(
        response,
        f"{_starting(view)} is yours. Connecting you to the caller at "
        f"{spoken_number(view.callback_number)}.",
    )
    response.dial(view.callback_number, caller_id=caller_id, timeout=30)
    return _goodbye(response, "The call with the caller has ended.")
