"""Help-desk queue webhooks: the caller's wait, key and exit, and the technician's bridge."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from sqlalchemy.orm import Session
from twilio.twiml.voice_response import VoiceResponse

from ivr import flow, queue
from ivr import offers as offer_words
from ivr.pages import is_machine
from ivr.queue import QueuePaths
from ticketing.calendar.days import business_calendar
from ticketing.calls import helpdesk, offers
from ticketing.calls import intake as calls
from ticketing.calls.models import QueueOutcome
from ticketing.models import Call
from ticketing.people.availability import available_technicians, on_help_desk
from webhooks import params
from webhooks.handling import twilio_webhook
from webhooks.voice import apology

bp = Blueprint("twilio_queue", __name__)


def _call(session: Session) -> Call:
    call_sid = params.form("CallSid", 64)
    call = calls.call_by_sid(session, call_sid) if call_sid else None
    if call is None:
        raise ValueError(f"a help-desk queue webhook for an unknown call {call_sid!r}")
    return call


def _closed(session: Session, call: Call) -> bool:
    """Whether the help desk has closed since the call came in."""
    # The call's own clock: the moment it was classified for, moved on by the time
    # since it rang (the same as now in production; a simulated moment in the demo).
    moment = call.classified_for + (params.now() - call.started_at)
    return business_calendar(session, params.settings()).classify(moment).is_emergency


@bp.post(QueuePaths.WAIT)
@twilio_webhook(lambda _settings: queue.hold_on())
def wait(session: Session) -> VoiceResponse:
    """Each round while the caller waits: ticket, place in line and estimate, or closing time."""
    call, now = _call(session), params.now()
    entry = helpdesk.join_queue(session, call, now=now)
    # The moment a caller joins (and each round after), a free technician is rung for them.
    offers.offer_waiting_callers(session, now)
    if _closed(session, call):
        helpdesk.close_for_the_day(session, entry, params.whole("QueueTime"), now=now)
        firm = params.firm()
        return queue.closing(firm.name, firm.hours)
    position = params.whole("QueuePosition") or helpdesk.position_of(session, call.call_sid)
    free = len(available_technicians(session))
    estimate = helpdesk.estimated_wait(session, position, now, on_help_desk(session), free)
    music = params.settings().hold_music_url
    return queue.waiting(position, estimate, music, ticket_number=call.ticket.number)


@bp.post(QueuePaths.KEY)
@twilio_webhook(lambda _settings: queue.leave())
def key(session: Session) -> VoiceResponse:
    """A key pressed while waiting: 1 hangs up keeping their place (we call them back); any
    other leaves the queue (the Enqueue action takes a message)."""
    if not params.digits().startswith(offer_words.CALLBACK_KEY):
        return queue.leave()
    call, now = _call(session), params.now()
    entry = helpdesk.join_queue(session, call, now=now)
    number = offers.keep_place(session, entry, offers.callback_number_for(call), now=now)
    if number is None:
        response = VoiceResponse()
        response.say(offer_words.NO_CALLBACK_NUMBER, language="en-US")
        return response
    return offer_words.keeping_place(number)


@bp.post(QueuePaths.DONE)
@twilio_webhook(apology)
def done(session: Session) -> VoiceResponse:
    """The caller left the queue: after a session say goodbye, otherwise take a message."""
    call, result = _call(session), params.form("QueueResult", 40)
    outcome = helpdesk.leave_queue(
        session, call, result, params.whole("QueueTime"), now=params.now()
    )
    if result == "hangup" or outcome is None:
        return queue.hang_up()
    if outcome == QueueOutcome.ANSWERED:
        offers.caller_done(session, call, now=params.now())
        return queue.after_session(params.settings().firm_name)
    return flow.ask_for_message(queue.before_message(outcome))


def _drop_leg(_settings: Any) -> VoiceResponse:
    # A failure on the technician's leg must not dequeue anyone: hang that leg up.
    return queue.hang_up()


@bp.post("/twilio/voice/helpdesk/bridge/<int:technician_id>")
@twilio_webhook(_drop_leg)
def bridge(session: Session, technician_id: int) -> VoiceResponse:
    """The technician answered `intake helpdesk next`: take the caller who waited longest."""
    if is_machine(params.form("AnsweredBy", 40)):
        return queue.hang_up()  # never dequeue a caller into a voicemail box
    capped = helpdesk.session_capped(session, params.settings().helpdesk_busy_queue)
    # Callers waiting for a call back are not in Twilio's queue: dialling it would hold the
    # technician in an empty queue.
    if capped is None or not any(offers.is_live(e) for e in helpdesk.waiting(session)):
        return queue.nobody_waiting()
    return queue.bridge(technician_id, capped=capped)


@bp.post("/twilio/voice/helpdesk/connect/<int:technician_id>/<int:capped>")
@twilio_webhook(lambda _settings: queue.connected(capped=False))
def connect(session: Session, technician_id: int, capped: int) -> VoiceResponse:
    """On the dequeued caller's leg, just before the bridge: record who took them."""
    helpdesk.answer(
        session,
        params.form("CallSid", 64),
        technician_id,
        capped=bool(capped),
        wait_seconds=params.whole("QueueTime"),
        now=params.now(),
    )
    return queue.connected(capped=bool(capped))
