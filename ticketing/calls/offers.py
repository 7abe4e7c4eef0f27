"""A help desk that routes itself: each waiting caller is offered to an available technician
(first come, first served; the one available longest first), whose phone rings with a
whisper; 1 takes the caller, another key, no answer or voicemail offers them to the next.

One ringing offer per caller and per technician (unique columns of `Offer` make that hold
even when a webhook and the sweep offer at the same moment). Only the caller at the front
of Twilio's queue is ever offered live, because `<Dial><Queue>` hands over that caller and
no other; callers who hung up keeping their place are called back and can be offered
alongside. Every function takes the caller's session and commits nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ivr.offers import OfferPaths
from ivr.phones import callback_e164, national
from ticketing.calls import helpdesk
from ticketing.calls.helpdesk import waiting
from ticketing.calls.models import Offer, OfferState, QueueEntry, QueueOutcome
from ticketing.event_kinds import EventKind
from ticketing.models import (
    Call,
    OutboxMessage,
    OutboxStatus,
    Technician,
)
from ticketing.people.availability import available_technicians, end_session, start_session
from ticketing.timeline import add_event

# Twilio rings an outbound call for 60 s by default; with the relay's delay and the whisper
# read twice, an offer still ringing after this is lost (its status callback never came).
OFFER_SECONDS = 120
# A technician who passed (or missed) a caller is not offered the same caller again this soon.
PASS_COOLDOWN = timedelta(minutes=2)
# Final statuses of the technician's call (Twilio's status callback).
CALL_OVER = frozenset({"completed", "busy", "no-answer", "failed", "canceled"})


def ringing_offers(session: Session) -> list[Offer]:
    """Offers whose technician may still take the caller, oldest first."""
    stmt = select(Offer).where(Offer.state == OfferState.RINGING).order_by(Offer.id)
    return list(session.scalars(stmt))


def is_live(entry: QueueEntry) -> bool:
    """Whether the caller is still on the line in Twilio's queue (not to be called back)."""
    return entry.callback_number is None


def still_waiting(session: Session, entry: QueueEntry) -> bool:
    """Whether the caller is still in line (on hold, or waiting for their call back)."""
    return entry in waiting(session)


def _recently_missed(session: Session, entry: QueueEntry, now: datetime) -> set[int]:
    stmt = select(Offer.technician_id).where(
        Offer.entry_id == entry.id,
        Offer.state.in_((OfferState.PASSED, OfferState.UNANSWERED)),
        Offer.ended_at >= now - PASS_COOLDOWN,
    )
    return set(session.scalars(stmt))


def offer_waiting_callers(session: Session, now: datetime) -> list[Offer]:
    """Sweep: end lost offers, then offer each waiting caller in turn to a free technician."""
    expire_lost_offers(session, now)
    ringing = ringing_offers(session)
    busy_entries = {offer.entry_id for offer in ringing}
    busy_techs = {offer.technician_id for offer in ringing}
    free = [t for t in available_technicians(session) if t.id not in busy_techs]
    line = waiting(session)
    # The front live caller is the only one `<Dial><Queue>` can hand over.
    front = next((entry for entry in line if is_live(entry)), None)
    made: list[Offer] = []
    for entry in line:
        if not free:
            break
        if entry.id in busy_entries or (is_live(entry) and entry is not front):
            continue
        missed = _recently_missed(session, entry, now)
        tech = next((t for t in free if t.id not in missed), None)
        if tech is None:
            continue
        offer = offer_to(session, entry, tech, now)
        if offer is not None:
            made.append(offer)
            free.remove(tech)
    return made


def offer_to(session: Session, entry: QueueEntry, tech: Technician, now: datetime) -> Offer | None:
    """Ring `tech` with the whisper for `entry` (None when either is being offered already)."""
    offer = Offer(
        entry_id=entry.id,
        technician_id=tech.id,
        state=OfferState.RINGING,
        ringing_entry_id=entry.id,
        ringing_technician_id=tech.id,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(offer)
            session.flush()
    except IntegrityError:
        return None  # offered meanwhile by a concurrent sweep or webhook
    # The answered call fetches the whisper.
    path = OfferPaths.WHISPER.format(offer_id=offer.id)
    row = helpdesk.ring_technician(
        session, tech, key=f"helpdesk-offer:{offer.id}", path=path, now=now
    )
    offer.outbox_id = row.id
    what = "callback" if not is_live(entry) else "caller"
    text = f"Help-desk {what} offered to {tech.name} ({national(tech.phone)})."
    add_event(session, entry.ticket_id, EventKind.HELPDESK_OFFER, text, at=now)
    return offer


def _end(session: Session, offer: Offer, state: OfferState, now: datetime, why: str) -> bool:
    if not offer.end(state, now):
        return False
    text = f"{offer.technician.name} {why}."
    add_event(session, offer.entry.ticket_id, EventKind.HELPDESK_OFFER, text, at=now)
    return True


def expire_lost_offers(session: Session, now: datetime) -> int:
    """End ringing offers whose call could not be placed or never reported back."""
    count = 0
    for offer in ringing_offers(session):
        row = session.get(OutboxMessage, offer.outbox_id) if offer.outbox_id else None
        failed = row is not None and row.status in (OutboxStatus.FAILED, OutboxStatus.CANCELLED)
        if failed or offer.created_at <= now - timedelta(seconds=OFFER_SECONDS):
            count += _end(session, offer, OfferState.UNANSWERED, now, "did not answer the offer")
    return count


def answered(session: Session, offer: Offer, *, machine: bool, now: datetime) -> OfferState:
    """The technician's phone was answered: a machine ends the offer, a caller who has gone
    too; otherwise the offer still rings (RINGING: read the whisper)."""
    if not offer.ringing:
        return offer.state
    if machine:
        _end(session, offer, OfferState.UNANSWERED, now, "did not answer the offer (voicemail)")
        offer_waiting_callers(session, now)
    elif not still_waiting(session, offer.entry):
        _end(session, offer, OfferState.CALLER_LEFT, now, "was offered a caller who had left")
    return offer.state


def press(session: Session, offer: Offer, digits: str, *, now: datetime) -> OfferState:
    """The technician's key: 1 takes the caller (busy from now), anything else passes."""
    if not offer.ringing:
        return offer.state
    if not still_waiting(session, offer.entry):
        _end(session, offer, OfferState.CALLER_LEFT, now, "was offered a caller who had left")
    elif digits.startswith("1"):
        _accept(session, offer, now)
    else:
        why = "passed the offer" if digits else "did not answer the offer"
        _end(session, offer, OfferState.PASSED if digits else OfferState.UNANSWERED, now, why)
        offer_waiting_callers(session, now)
    return offer.state


def _accept(session: Session, offer: Offer, now: datetime) -> None:
    _end(session, offer, OfferState.ACCEPTED, now, "took the offer")
    start_session(offer.technician, now=now)
    entry = offer.entry
    if not is_live(entry):
        # A callback is answered the moment its technician takes it: the call back starts now.
        entry.leave(QueueOutcome.ANSWERED, now, None)
        entry.technician_id = offer.technician_id
        text = (
            f"Call back by {offer.technician.name} after "
            f"{round((entry.wait_seconds or 0) / 60)} min in line."
        )
        add_event(
            session,
            entry.ticket_id,
            EventKind.HELPDESK_ANSWERED,
            text,
            at=now,
            actor=offer.technician.name,
        )


def offer_of_call(session: Session, call_sid: str) -> Offer | None:
    """The offer whose call to the technician has that CallSid."""
    stmt = (
        select(Offer)
        .join(OutboxMessage, OutboxMessage.id == Offer.outbox_id)
        .where(OutboxMessage.provider_sid == call_sid)
    )
    return session.scalars(stmt.limit(1)).first()


def open_sessions(session: Session, technician_id: int) -> list[QueueEntry]:
    """Callers the technician took whose session has not ended yet."""
    stmt = select(QueueEntry).where(
        QueueEntry.technician_id == technician_id,
        QueueEntry.outcome == QueueOutcome.ANSWERED,
        QueueEntry.session_ended_at.is_(None),
    )
    return list(session.scalars(stmt))


def finish_session(session: Session, entry: QueueEntry, *, now: datetime) -> bool:
    """A help-desk session ended: its length on the ticket, the technician available again."""
    if entry.session_ended_at is not None or entry.technician_id is None:
        return False
    entry.session_ended_at = now
    began = entry.left_at or now
    minutes = max(0, round((now - began).total_seconds() / 60))
    tech = session.get(Technician, entry.technician_id)
    name = tech.name if tech else "the technician"
    text = f"Help-desk session with {name} ended after {minutes} min."
    add_event(session, entry.ticket_id, EventKind.HELPDESK_QUEUE, text, at=now)
    if tech is not None:
        end_session(tech, now=now)
    return True


def technician_done(session: Session, technician_id: int, *, now: datetime) -> int:
    """The technician's leg ended: every session of theirs still open ends, then the next
    waiting caller is offered."""
    count = sum(finish_session(session, e, now=now) for e in open_sessions(session, technician_id))
    offer_waiting_callers(session, now)
    return count


def callback_unanswered(session: Session, offer: Offer, status: str, *, now: datetime) -> None:
    """The caller did not pick up their call back: the technician is free again."""
    entry = offer.entry
    if entry.session_ended_at is not None:
        return
    entry.session_ended_at = now
    entry.outcome = QueueOutcome.CALLBACK_MISSED
    text = f"The caller did not answer the call back ({status or 'no answer'})."
    add_event(session, entry.ticket_id, EventKind.HELPDESK_QUEUE, text, at=now)
    end_session(offer.technician, now=now)
    offer_waiting_callers(session, now)


def call_status(session: Session, call_sid: str, status: str, *, now: datetime) -> Offer | None:
    """The technician's offer call ended: unanswered moves on; after a session, it ends."""
    offer = offer_of_call(session, call_sid)
    if offer is None or status.strip().lower() not in CALL_OVER:
        return offer
    if offer.ringing:
        _end(session, offer, OfferState.UNANSWERED, now, f"did not answer the offer ({status})")
        offer_waiting_callers(session, now)
    elif offer.state == OfferState.ACCEPTED:
        technician_done(session, offer.technician_id, now=now)
    return offer


def call_of(session: Session, entry: QueueEntry) -> Call | None:
    """The call that put the caller in line."""
    return session.get(Call, entry.call_sid)


def keep_place(
    session: Session, entry: QueueEntry, number: str | None, *, now: datetime
) -> str | None:
    """The waiting caller asked to be called back at `number` (their caller ID or callback
    number) without losing their place: the number kept, or None when there is none."""
    if entry.outcome is not None:
        return None
    if entry.callback_number is not None:
        return entry.callback_number
    if number is None:
        return None
    entry.callback_number = number
    text = f"Hung up keeping their place in line, to be called back at {national(number)}."
    add_event(session, entry.ticket_id, EventKind.HELPDESK_CALLBACK, text, at=now)
    return number


def callback_number_for(call: Call) -> str | None:
    """Where to call a caller back: the number they gave, else a dialable caller ID."""
    return call.ticket.callback_number or callback_e164(call.from_raw)


def caller_done(session: Session, call: Call, *, now: datetime) -> bool:
    """The caller's bridge ended (the Enqueue action after a session): it is over."""
    entry = helpdesk.entry_for(session, call.call_sid)
    if entry is None or not finish_session(session, entry, now=now):
        return False
    offer_waiting_callers(session, now)
    return True
