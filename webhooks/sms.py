"""SMS webhooks: delivery reports for the pages we sent."""

from __future__ import annotations

from flask import Blueprint, current_app, request
from sqlalchemy.orm import Session

from ticketing.delivery import record_delivery
from webhooks.handling import twilio_webhook

bp = Blueprint("twilio_sms", __name__)


@bp.post("/twilio/sms/status")
@twilio_webhook(lambda _settings: None)
def sms_status(session: Session) -> None:
    """An outbound message's status changed (answer 204)."""
    record_delivery(
        session,
        request.form.get("MessageSid", "")[:64],
        request.form.get("MessageStatus", "")[:20],
        request.form.get("ErrorCode", "")[:16] or None,
        now=current_app.extensions["clock"](),
    )
