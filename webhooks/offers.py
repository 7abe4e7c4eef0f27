"""Help-desk offer webhooks: the technician's whisper, their key, and the end of the session."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from sqlalchemy.orm import Session
from twilio.twiml.voice_response import VoiceResponse

from ivr import offers as words
from ivr.offers import OfferPaths
from ivr.pages import is_machine
from ticketing.calls import helpdesk, offers
from ticketing.calls.models import Offer, OfferState
from webhooks import params
from webhooks.handling import twilio_webhook

bp = Blueprint("twilio_offers", __name__)
# Twilio's DialCallStatus when the other party was reached.
REACHED = frozenset({"completed", "answered"})


def _drop_leg(_settings: Any) -> VoiceResponse:
    # A failure on the technician's leg must not bridge anyone: hang that leg up.
    return words.gone(words.NOT_OFFERED)


def _offer(session: Session, offer_id: int) -> Offer | None:
    return session.get(Offer, offer_id)


def _over(state: OfferState) -> VoiceResponse:
    if state == OfferState.CALLER_LEFT:
        return words.gone(words.CALLER_LEFT)
    if state == OfferState.PASSED:
        return words.gone(words.PASSED)
    return words.gone(words.NOT_OFFERED)


@bp.post(OfferPaths.WHISPER.replace("{offer_id}", "<int:offer_id>"))
@twilio_webhook(_drop_leg)
def whisper(session: Session, offer_id: int) -> VoiceResponse:
    """The technician's phone was answered: who waits and which ticket, 1 takes, 2 passes."""
    offer = _offer(session, offer_id)
    if offer is None:
        return words.gone(words.NOT_OFFERED)
    machine = is_machine(params.form("AnsweredBy", 40))
    state = offers.answered(session, offer, machine=machine, now=params.now())
    if state != OfferState.RINGING:
        return _over(state)
    ticket = offer.entry.ticket
    client = ticket.client.name if ticket.client else None
    callback = not offers.is_live(offer.entry)
    return words.whisper(offer.id, client, ticket.number, callback=callback)


@bp.post(OfferPaths.KEY.replace("{offer_id}", "<int:offer_id>"))
@twilio_webhook(_drop_leg)
def key(session: Session, offer_id: int) -> VoiceResponse:
    """1 takes the caller (bridged, or called back); any other key or none passes them on."""
    offer = _offer(session, offer_id)
    if offer is None:
        return words.gone(words.NOT_OFFERED)
    was_ringing = offer.ringing
    state = offers.press(session, offer, params.digits(), now=params.now())
    if state != OfferState.ACCEPTED or not was_ringing:
        return _over(state)
    settings = params.settings()
    capped = bool(helpdesk.session_capped(session, settings.helpdesk_busy_queue))
    if offers.is_live(offer.entry):
        return words.take_caller(offer.id, offer.technician_id, capped=capped)
    number = offer.entry.callback_number or ""
    return words.call_back(offer.id, number, settings.twilio_voice_number, capped=capped)


@bp.post(OfferPaths.ENDED.replace("{offer_id}", "<int:offer_id>"))
@twilio_webhook(lambda _settings: words.session_over(reached=True))
def ended(session: Session, offer_id: int) -> VoiceResponse:
    """The technician's dial ended: the session is over (or the caller never picked up)."""
    offer, now = _offer(session, offer_id), params.now()
    status = params.form("DialCallStatus", 20).strip().lower()
    if offer is None:
        return words.session_over(reached=True)
    if not offers.is_live(offer.entry) and status not in REACHED:
        offers.callback_unanswered(session, offer, status, now=now)
        return words.session_over(reached=False)
    offers.technician_done(session, offer.technician_id, now=now)
    return words.session_over(reached=True)
