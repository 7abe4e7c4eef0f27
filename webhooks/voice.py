"""Voice webhooks: each parses Twilio's form, calls ticketing and ivr, and returns TwiML."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask import Blueprint
from sqlalchemy.orm import Session
from twilio.twiml.voice_response import VoiceResponse

from ivr import flow
from ivr.flow import Paths
from ivr.phones import callback_e164
from ticketing.calendar.days import business_calendar
from ticketing.calls import helpdesk
from ticketing.calls import intake as calls
from ticketing.calls.locking import call_for_update
from ticketing.calls.pager_check import note_pager_down, pager_silence
from ticketing.models import Call, ServiceClass
from ticketing.paging import drills
from webhooks import drill_marker, params
from webhooks.call_moment import moment_of_call
from webhooks.call_views import live_transfer, with_firm
from webhooks.fallback import apology_keeping_the_call, message_kept_in_spool
from webhooks.handling import twilio_webhook
from webhooks.new_call import answer_new_call

bp = Blueprint("twilio_voice", __name__)


def apology(settings: Any) -> VoiceResponse:
    """Safe TwiML for a failure mid-call (shared by every caller-facing route); the call is
    kept in the local spool, so that it becomes a ticket even when the database is down."""
    return apology_keeping_the_call(settings)


def _call(session: Session) -> Call:
    """This request's call, opened now if its first webhook never reached us."""
    call_sid = params.form("CallSid", 64)
    if not call_sid:
        raise ValueError("a voice webhook without CallSid")
    existing = calls.call_by_sid(session, call_sid)
    if existing is not None:
        return existing
    settings, now = params.settings(), params.now()
    calendar = business_calendar(session, settings)
    moment = moment_of_call(calendar, settings, now)
    # Only the call's first webhook counts: later ones use what its ticket stored.
    drill = drill_marker.verified()
    call = calls.open_call(
        session,
        call_sid=call_sid,
        from_raw=params.form("From", 64),
        to_number=params.form("To", 64),
        classification=calendar.classify(moment),
        now=now,
        drill=drill is not None,
        drill_page_to=drill.page_to if drill else None,
    )
    if drill is not None:
        drills.note_drill(session, call.ticket, moment=moment, now=now)
    return call


def _view(call: Call) -> flow.CallView:
    settings = params.settings()
    return with_firm(calls.call_view(call, settings.firm_name), settings)


def _intake_view(session: Session, call: Call) -> flow.CallView:
    """The view for the step that may start the emergency intake: with a live transfer
    to the on-call technician when that is switched on and someone is on call."""
    view, settings = _view(call), params.settings()
    if not settings.live_transfer or call.ticket.service_class != ServiceClass.EMERGENCY:
        return view
    if call.ticket.drill:
        return view  # a synthetic caller cannot be bridged to anyone's phone
    tech = calls.choose_transfer(session, call, now=params.now())
    if tech is None:
        return view
    return replace(view, transfer=live_transfer(settings, call.call_sid, tech.id, tech.phone))


def _hung_up() -> bool:
    return params.form("CallStatus", 20) in flow.CALL_ENDED


def _call_to_change(session: Session) -> Call:
    """This request's call for a step that changes its ticket: the ticket row-locked (and
    read afresh) in the statement that loads the call, so that two webhooks of one call
    take turns; opened now if its first webhook never reached us."""
    call_sid = params.form("CallSid", 64)
    found = call_for_update(session, call_sid) if call_sid else None
    return found if found is not None else _call(session)


@bp.post(Paths.START)
@twilio_webhook(apology, quick=answer_new_call)
def incoming(session: Session) -> VoiceResponse:
    """A call comes in: open its ticket, then identify the caller or go straight on."""
    call = _call(session)
    if call.ticket.client_id is None:
        return flow.ask_account_number(_view(call), 1)
    return flow.after_identification(_intake_view(session, call))


@bp.post("/twilio/voice/account/<int:attempt>")
@twilio_webhook(apology)
def account(session: Session, attempt: int) -> VoiceResponse:
    """The caller keyed in an account number (or nothing)."""
    attempt = min(max(attempt, 1), flow.ACCOUNT_TRIES)
    call = _call_to_change(session)
    digits = params.digits()
    if calls.identify_by_account(session, call, digits, now=params.now()):
        return flow.after_identification(_intake_view(session, call))
    if attempt >= flow.ACCOUNT_TRIES:
        calls.give_up_identifying(session, call, now=params.now())
        return flow.account_not_found(_intake_view(session, call), attempt, digits)
    return flow.account_not_found(_view(call), attempt, digits)


@bp.post("/twilio/voice/menu/<int:attempt>")
@twilio_webhook(apology)
def menu(session: Session, attempt: int) -> VoiceResponse:
    """The business-hours menu choice."""
    attempt = min(max(attempt, 1), flow.MENU_TRIES)
    call = _call_to_change(session)
    choice = flow.menu_choice(params.digits(), attempt)
    if choice is None:
        return flow.menu_again(_view(call), attempt)
    calls.choose_service(session, call, choice, now=params.now())
    if choice == ServiceClass.HELP_DESK:
        helpdesk.join_queue(session, call, now=params.now())
    # Who is on call does not depend on the choice just written: it goes to the database
    # with the transfer's line, in one statement per table at the commit.
    with session.no_autoflush:
        return flow.after_menu(_intake_view(session, call))


def _store_recording(session: Session, call: Call) -> None:
    calls.store_recording(
        session,
        call,
        url=params.form("RecordingUrl", 500),
        sid=params.form("RecordingSid", 64),
        duration=params.whole("RecordingDuration"),
        now=params.now(),
    )


@bp.post(Paths.RECORDED)
@twilio_webhook(apology)
def recorded(session: Session) -> VoiceResponse:
    """The caller's message was recorded (Twilio posts this even when they hung up)."""
    call = _call_to_change(session)
    _store_recording(session, call)
    if _hung_up():
        calls.complete_intake(
            session, call, now=params.now(), how="the caller hung up after the message"
        )
    return flow.ask_callback(_view(call))


@bp.post(Paths.NO_RECORDING)
@twilio_webhook(apology)
def no_recording(session: Session) -> VoiceResponse:
    """The recording was empty or timed out: go on without a message."""
    call = _call(session)
    calls.note_no_recording(session, call, now=params.now())
    return flow.ask_callback(_view(call), no_recording=True)


@bp.post(Paths.TRANSCRIPTION)
@twilio_webhook(lambda _settings: None)
def transcription(session: Session) -> None:
    """Twilio's transcription of the message arrives (often after the call ended)."""
    # Locked: arriving while the intake completes, it must see whether the ticket was paged.
    call = _call_to_change(session)
    calls.store_transcription(session, call, **params.transcription(), now=params.now())


def _finish(session: Session, call: Call, how: str) -> VoiceResponse:
    now, forward_to = params.now(), params.settings().fallback_forward_number
    # Read first, so that completing the intake and its staff line are written together.
    silence = pager_silence(session, call.ticket, now)
    calls.complete_intake(session, call, now=now, how=how)
    if silence is not None:
        note_pager_down(session, call.ticket, silence, now, forward_to)
        return flow.pager_down(_view(call), forward_to)
    return flow.goodbye(_view(call))


@bp.post(Paths.CALLBACK_CONFIRM)
@twilio_webhook(apology)
def callback_confirm(session: Session) -> VoiceResponse:
    """1 (or nothing) keeps the caller ID as callback number; 2 asks for another; more than
    one digit is that other number, keyed in at once."""
    call = _call_to_change(session)
    digits = params.digits().strip("*#")
    if len(digits) > 1:
        return _keyed_number(session, call, digits, attempt=1)
    if digits == "2":
        return flow.ask_callback_number(1)
    return _finish(session, call, "callback number confirmed")


@bp.post("/twilio/voice/callback/number/<int:attempt>")
@twilio_webhook(apology)
def callback_number(session: Session, attempt: int) -> VoiceResponse:
    """The caller keyed in a callback number."""
    attempt = min(max(attempt, 1), flow.CALLBACK_TRIES)
    call = _call_to_change(session)
    return _keyed_number(session, call, params.digits().strip("*#"), attempt=attempt)


def _keyed_number(session: Session, call: Call, digits: str, *, attempt: int) -> VoiceResponse:
    e164 = callback_e164(digits, allow_international=params.callbacks_abroad())
    if e164 is not None:
        calls.set_callback(session, call, e164, now=params.now())
        return _finish(session, call, "callback number entered")
    if attempt < flow.CALLBACK_TRIES:
        return flow.ask_callback_number(attempt + 1, retry=True)
    return _finish(session, call, "no valid callback number entered")


@bp.post(Paths.FALLBACK_MESSAGE)
@twilio_webhook(message_kept_in_spool)
def fallback_message(session: Session) -> VoiceResponse:
    """A message left after something failed mid-call: it still becomes a paged ticket."""
    call = _call_to_change(session)
    if params.form("RecordingUrl"):
        _store_recording(session, call)
    calls.complete_intake(session, call, now=params.now(), how="message taken after a fault")
    return flow.fallback_received(params.settings().firm_name)


@bp.post(Paths.STATUS)
@twilio_webhook(lambda _settings: None)
def status(session: Session) -> None:
    """A call's status changed (answer 204); a hang-up mid-intake still pages, and a caller
    who hung up in the help-desk queue leaves it."""
    call_sid, status = params.form("CallSid", 64), params.form("CallStatus", 20)
    calls.call_status(
        session,
        call_sid,
        status,
        params.whole("SequenceNumber"),
        now=params.now(),
    )
    if status in flow.CALL_ENDED:
        # The Enqueue action of a dropped call may come late or never (a lost webhook):
        # without this the caller would count as waiting, toward the busy-queue cap too.
        helpdesk.caller_gone(session, call_sid, now=params.now())
