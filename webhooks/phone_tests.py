"""The test voice page's webhooks: the call answered, and the key the technician pressed."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from sqlalchemy.orm import Session
from twilio.twiml.voice_response import VoiceResponse

from ivr import phone_test
from ivr.pages import is_machine
from ticketing.models import Technician
from ticketing.paging import phone_tests
from webhooks import params
from webhooks.handling import twilio_webhook

bp = Blueprint("twilio_phone_tests", __name__)


def _error(_settings: Any) -> VoiceResponse:
    return phone_test.test_answered(False)


@bp.post("/twilio/voice/phone-test/<int:technician_id>")
@twilio_webhook(_error)
def answered(session: Session, technician_id: int) -> VoiceResponse:
    """The technician's phone answered the test call: a person is asked for 1."""
    firm_name = params.settings().firm_name
    if is_machine(params.form("AnsweredBy", 40)):
        return phone_test.test_voicemail(firm_name)
    return phone_test.test_page(firm_name, technician_id)


@bp.post(phone_test.KEY.replace("{technician_id}", "<int:technician_id>"))
@twilio_webhook(_error)
def key(session: Session, technician_id: int) -> VoiceResponse:
    """1 confirms the test (any other key does not)."""
    tech = session.get(Technician, technician_id)
    if tech is None or params.digits()[:1] != "1":
        return phone_test.test_answered(False)
    passed = phone_tests.confirm(session, tech, phone_tests.VOICE, now=params.now())
    return phone_test.test_answered(passed)
