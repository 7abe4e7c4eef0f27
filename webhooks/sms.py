"""SMS webhooks: technicians' replies to pages, and delivery reports for the pages we sent."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from sqlalchemy.orm import Session
from twilio.twiml.messaging_response import MessagingResponse

from ivr.phones import national
from ticketing.paging.delivery import record_delivery
from ticketing.paging.replies import handle_text
from webhooks import params
from webhooks.handling import twilio_webhook

bp = Blueprint("twilio_sms", __name__)

# Twilio accepts at most 1600 characters in a message body.
MAX_BODY = 1600


def _message(text: str | None) -> MessagingResponse:
    response = MessagingResponse()
    if text:
        response.message(text)
    return response


def _not_processed(settings: Any) -> MessagingResponse:
    # A technician who texted ACK must not believe it worked when it did not.
    return _message(
        f"{settings.firm_name}: your reply could not be processed. Please send it again, "
        f"or call {national(settings.twilio_voice_number)}."
    )


@bp.post("/twilio/sms")
@twilio_webhook(_not_processed)
def inbound(session: Session) -> MessagingResponse:
    """A text to our number: a technician's reply (ACK/RES/ESC/NE/HELP) or STOP/START."""
    settings = params.settings()
    reply = handle_text(
        session,
        message_sid=params.form("MessageSid", 64) or params.form("SmsSid", 64),
        from_number=params.form("From", 64),
        body=params.form("Body", MAX_BODY),
        opt_out_type=params.form("OptOutType", 20) or None,
        now=params.now(),
        firm_name=settings.firm_name,
        support_number=settings.twilio_voice_number,
    )
    return _message(reply)


@bp.post("/twilio/sms/status")
@twilio_webhook(lambda _settings: None)
def sms_status(session: Session) -> None:
    """An outbound message's status changed (answer 204)."""
    record_delivery(
        session,
        params.form("MessageSid", 64),
        params.form("MessageStatus", 20),
        params.form("ErrorCode", 16) or None,
        now=params.now(),
    )
