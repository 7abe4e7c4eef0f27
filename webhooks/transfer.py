"""Live transfer webhooks: the technician's whisper and key, and the caller's dial result."""

from __future__ import annotations

from flask import Blueprint
from sqlalchemy.orm import Session
from twilio.twiml.voice_response import VoiceResponse

from ivr import flow, transfer
from ticketing.calls import intake as calls
from ticketing.calls.locking import call_for_update
from webhooks import params
from webhooks.handling import twilio_webhook
from webhooks.voice import apology

bp = Blueprint("twilio_transfer", __name__)
LEG = "/twilio/voice/transfer/<call_sid>/<int:technician_id>"


def _hang_up_leg(_settings: object) -> VoiceResponse:
    # A failure on the technician's leg must not bridge anything: drop that leg only.
    return transfer.declined()


@bp.post(LEG + "/whisper")
@twilio_webhook(_hang_up_leg)
def whisper(session: Session, call_sid: str, technician_id: int) -> VoiceResponse:
    """The technician answered: tell them who is calling."""
    call = calls.call_by_sid(session, call_sid[:64])
    if call is None or call.transfer_technician_id != technician_id:
        return transfer.declined()
    client = call.ticket.client
    return transfer.whisper(client.name if client else None, call.call_sid, technician_id)


@bp.post(LEG + "/accept")
@twilio_webhook(_hang_up_leg)
def accept(session: Session, call_sid: str, technician_id: int) -> VoiceResponse:
    """1 bridges the technician to the caller and acknowledges the ticket; anything else not."""
    call = calls.call_by_sid(session, call_sid[:64])
    pressed_one = params.digits().startswith("1")
    if call is None:
        return transfer.declined()
    if calls.accept_transfer(session, call, technician_id, pressed_one, now=params.now()):
        return transfer.accepted()
    return transfer.declined()


@bp.post(LEG + "/result")
@twilio_webhook(apology)
def result(session: Session, call_sid: str, technician_id: int) -> VoiceResponse:
    """The caller's dial ended: after a live call say goodbye; otherwise take a message."""
    # Locked as it is loaded: after a live call this completes the intake.
    call = call_for_update(session, call_sid[:64])
    if call is None:
        return flow.ask_for_message()
    status = params.form("DialCallStatus", 20)
    if calls.transfer_ended(session, call, status, now=params.now()):
        return transfer.after_live_call()
    return flow.ask_for_message(transfer.nobody_took_it(VoiceResponse()))
