"""Where a live call goes when its emergency is found not to be one (moved by the REST API)."""

from __future__ import annotations

from flask import Blueprint
from sqlalchemy import select
from sqlalchemy.orm import Session
from twilio.twiml.voice_response import VoiceResponse

from ivr import flow
from ticketing.calendar.days import business_calendar
from ticketing.calls import helpdesk
from ticketing.calls import intake as calls
from ticketing.models import Call
from webhooks import params
from webhooks.handling import twilio_webhook
from webhooks.voice import apology

bp = Blueprint("twilio_redirect", __name__)


@bp.post("/twilio/voice/redirected/<int:ticket_id>")
@twilio_webhook(apology)
def redirected(session: Session, ticket_id: int) -> VoiceResponse:
    """Tell the caller, then the help desk in business hours, else a message and a callback."""
    call = session.scalar(select(Call).where(Call.ticket_id == ticket_id))
    if call is None:
        return flow.apology(params.settings().firm_name, params.settings().fallback_forward_number)
    response = VoiceResponse()
    response.say(
        "Our technician has reviewed your call: it does not meet the definition of Emergency "
        "Services, so it is being moved to the help desk, at help desk rates.",
        language="en-US",
    )
    moment = business_calendar(session, params.settings()).classify(params.now())
    view = calls.call_view(call, params.settings().firm_name)
    if not moment.is_emergency:
        helpdesk.join_queue(session, call, now=params.now())
        return flow.to_help_desk(view, response)
    response.say("The help desk is closed now.", language="en-US")
    return flow.ask_for_message(response)
