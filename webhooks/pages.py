"""Voice-page webhooks: the call that pages a technician, the keys they press, its end."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from sqlalchemy.orm import Session
from twilio.twiml.voice_response import VoiceResponse

from ivr import pages
from ticketing.calls import offers
from ticketing.paging import voice_pages
from ticketing.paging.delivery import record_call_outcome
from webhooks import params
from webhooks.handling import twilio_webhook

bp = Blueprint("twilio_pages", __name__)


def _error(settings: Any) -> VoiceResponse:
    return pages.page_error(settings.firm_name)


@bp.post("/twilio/voice/page/<int:page_id>")
@twilio_webhook(_error)
def page(session: Session, page_id: int) -> VoiceResponse:
    """The technician's phone was answered: a person hears the ticket, a machine a message."""
    call = voice_pages.page_call(session, page_id)
    if call is None:
        return pages.inactive()
    if pages.is_machine(params.form("AnsweredBy", 40)):
        voice_pages.left_voicemail(session, call, now=params.now())
        return pages.voicemail(voice_pages.page_view(session, call, params.settings().firm_name))
    voice_pages.answered_by_person(session, call, now=params.now())
    return pages.read_page(voice_pages.page_view(session, call, params.settings().firm_name))


@bp.post("/twilio/voice/page/<int:page_id>/key")
@twilio_webhook(_error)
def key(session: Session, page_id: int) -> VoiceResponse:
    """A key on the page: 4 acknowledge, 6 resolve, 5 escalate, 1 connect, 3 not an emergency,
    * repeat."""
    call = voice_pages.page_call(session, page_id)
    if call is None:
        return pages.inactive()
    view = voice_pages.page_view(session, call, params.settings().firm_name)
    choice = pages.KEYS.get(params.form("Digits", 10).strip()[:1])
    # A ticket resolved, moved or taken since the page was read: say so, change nothing.
    if choice == "repeat" or pages.closed_reason(view) is not None:
        return pages.read_page(view)
    if choice is None:
        return pages.menu_again(view, "Sorry, that is not a choice.")
    action = "ack" if choice == "connect" else choice
    done = voice_pages.press(session, call, action, now=params.now())
    view = voice_pages.page_view(session, call, params.settings().firm_name)
    if choice == "connect" and view.mine:
        return pages.connect(view, params.settings().twilio_voice_number)
    return pages.after_action(view, action, done)


@bp.post(pages.STATUS)
@twilio_webhook(lambda _settings: None)
def status(session: Session) -> None:
    """The page call ended (answer 204): busy, no answer or failed moves the escalation on;
    a help-desk offer's call moves the caller on to the next technician, or ends a session."""
    call_sid, status, now = params.form("CallSid", 64), params.form("CallStatus", 20), params.now()
    record_call_outcome(session, call_sid, status, now=now)
    offers.call_status(session, call_sid, status, now=now)
