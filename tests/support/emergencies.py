"""An after-hours emergency call, from the first ring to a paged ticket."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support.people import JANE
from tests.support.recordings import RECORDING_SID
from tests.support.twilio import PhoneCall
from ticketing.models import Ticket


def emergency(
    phone: Callable[[str], PhoneCall], session: Session, caller: str = JANE, *, words: str = ""
) -> Ticket:
    """An after-hours call that ends in a paged emergency ticket (with a transcription of
    `words`, if any); returns the ticket."""
    call = phone(caller)
    call.ring()
    call.record(sid=RECORDING_SID)
    call.post("/twilio/voice/callback/confirm", Digits="1")
    if words:
        call.post(
            "/twilio/voice/transcription",
            TranscriptionText=words,
            TranscriptionStatus="completed",
        )
    session.expire_all()
    return session.scalars(select(Ticket).order_by(Ticket.id.desc()).limit(1)).one()
