"""When the database is unreachable: Twilio's Fallback URL, and the local spool of calls
and messages that this host's web processes (and scheduler) replay into tickets once the
database is back (ticketing/calls/spool.py, ticketing/calls/spool_replay.py).

Writing the spool is a file append, not a database write, so it works when nothing else
does; the request key (webhooks/receipts.py) travels with each entry, so a retried request
is replayed once.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, request
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.orm import Session
from twilio.twiml.voice_response import VoiceResponse

from ivr import flow
from ivr.flow import Paths
from ivr.twiml_text import twiml_text
from ticketing.calls import intake as calls
from ticketing.calls.spool import SpoolEntry, append_entry, spool_file
from webhooks import drill_marker, params
from webhooks.handling import TWIML, failure_of_request, twilio_webhook
from webhooks.receipts import request_key
from webhooks.security import twilio_signed

log = logging.getLogger(__name__)

bp = Blueprint("twilio_fallback", __name__)


def what_failed() -> str:
    """What made this request fall back, as a clause for the timeline: only a database
    error is called an unreachable database."""
    exc = failure_of_request()
    if exc is None:
        return "something failed"
    if isinstance(exc, OperationalError | InterfaceError | DisconnectionError):
        return "the database was unreachable"
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return "the database was unreachable"
    return f"the service failed ({type(exc).__name__} at {request.path})"


def keep_in_spool(kind: str, reason: str | None = None) -> bool:
    """Append this request to the local spool as a `kind` entry, with what went wrong
    (`what_failed` unless told); False if it cannot be kept."""
    call_sid = params.form("CallSid", 64)
    if not call_sid:
        return False  # nothing to tie it to a call; Twilio always sends one
    if drill_marker.verified() is not None:
        # Replayed later it would be a real emergency, paging the real rota without DRILL.
        log.warning("a drill call is not kept in the spool: %s", call_sid)
        return False
    entry = SpoolEntry(
        key=request_key(request),
        kind=kind,
        received_at=params.now(),
        call_sid=call_sid,
        from_raw=params.form("From", 64),
        to_number=params.form("To", 64),
        recording_url=params.form("RecordingUrl", 500),
        recording_sid=params.form("RecordingSid", 64),
        recording_duration=params.whole("RecordingDuration"),
        transcription_text=params.form("TranscriptionText", 4000),
        transcription_status=params.form("TranscriptionStatus", 20),
        reason=reason if reason is not None else what_failed(),
    )
    try:
        append_entry(spool_file(params.settings().instance_path), entry)
    except OSError:
        log.exception(
            "could not write the local spool: %s of %s is lost",
            kind,
            call_sid,
            extra={"call_sid": call_sid},
        )
        return False
    return True


def apology_keeping_the_call(settings: Any) -> VoiceResponse:
    """The apology TwiML, after keeping the call in the spool: a caller who hangs up before
    leaving a message still becomes a ticket."""
    keep_in_spool("call")
    return flow.apology(settings.firm_name, settings.fallback_forward_number)


def message_kept_in_spool(settings: Any) -> VoiceResponse:
    """The fallback message could not be stored in the database: spool it instead."""
    if keep_in_spool("message"):
        return flow.fallback_received(settings.firm_name)
    return flow.last_resort(settings.firm_name)


@bp.post(Paths.FALLBACK)
@twilio_signed
def fallback() -> Response:
    """Twilio's Fallback URL: the voice URL failed or timed out. Answers without the database."""
    log.warning(
        "Twilio fell back for call %s: ErrorCode %s at %s",
        params.form("CallSid", 64),
        params.form("ErrorCode", 10),
        params.form("ErrorUrl", 300),
    )
    code, failed_url = params.form("ErrorCode", 10), params.form("ErrorUrl", 300)
    where = f" at {urlsplit(failed_url).path}" if failed_url else ""
    reason = "Twilio got no usable answer from the service" + (
        f" (error {code}{where})" if code else ""
    )
    keep_in_spool("call", reason)
    settings = params.settings()
    answer = flow.apology(settings.firm_name, settings.fallback_forward_number)
    return Response(twiml_text(answer), status=200, content_type=TWIML)


def _spool_transcription(_settings: Any) -> None:
    keep_in_spool("transcription")


@bp.post(Paths.FALLBACK_TRANSCRIPTION)
@twilio_webhook(_spool_transcription)
def fallback_transcription(session: Session) -> None:
    """The transcription of a message taken after a fault (answer 204)."""
    call = calls.call_by_sid(session, params.form("CallSid", 64))
    if call is None:
        # Its message is still in the spool: keep the words beside it, replayed after it.
        if not keep_in_spool("transcription"):
            raise OSError("the local spool cannot be written")
        return
    calls.store_transcription(session, call, **params.transcription(), now=params.now())
