"""A phone call as a ticket: opened at the first ring, filled in step by step, paged at the end.

Every function takes the caller's session and commits nothing; each step is safe
to run twice (a retried webhook) and every step lands on the ticket's timeline.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from ivr.calendar import Classification
from ivr.flow import CALL_ENDED, CallView
from ivr.phones import is_withheld, national, to_e164
from ticketing.calls.locking import call_for_update, locked_ticket
from ticketing.directory import client_by_account, contact_by_phone
from ticketing.event_kinds import EventKind
from ticketing.models import (
    Call,
    Contact,
    FurtherRecording,
    ServiceClass,
    Technician,
    Ticket,
    TicketSource,
    TicketStatus,
)
from ticketing.oncall.models import OnCallRole
from ticketing.oncall.roster import on_call
from ticketing.paging.escalation import start_escalation
from ticketing.paging.pages import send_callers_words
from ticketing.paging.responses import acknowledge
from ticketing.timeline import add_event

# A caller cannot still be giving details this long after the first ring
# (recordings stop at two minutes); an intake left open longer lost its last webhook.
STALLED_AFTER = timedelta(minutes=10)


# Every later webhook of a call reads its ticket, and most the ticket's client: loaded
# with the call in one statement instead of two or three lazy loads.
_CALL_WITH_TICKET = joinedload(Call.ticket).joinedload(Ticket.client)


def call_by_sid(session: Session, call_sid: str) -> Call | None:
    """The call with that CallSid (with its ticket and client), if we have seen it."""
    return session.get(Call, call_sid, options=[_CALL_WITH_TICKET])


def _describe_caller(from_raw: str, e164: str | None) -> str:
    if e164:
        return national(e164)
    if is_withheld(from_raw):
        return "a withheld number"
    return f"an unrecognised number ({from_raw[:40]!r})"


def open_call(
    session: Session,
    *,
    call_sid: str,
    from_raw: str,
    to_number: str,
    classification: Classification,
    now: datetime,
    drill: bool = False,
    drill_page_to: str | None = None,
) -> Call:
    """Open the ticket for a new call (or return the call already opened for this CallSid);
    a drill's ticket is one from the start, so that no client or tool ever hears of it."""
    existing = call_by_sid(session, call_sid)
    if existing is not None:
        return existing
    e164 = to_e164(from_raw)
    contact = contact_by_phone(session, e164)
    service_class = (
        ServiceClass.EMERGENCY if classification.is_emergency else ServiceClass.HELP_DESK
    )
    # Relationships, not bare ids: the call then holds its ticket (and the ticket its client)
    # for the rest of the request, which the session alone does not (its identity map is
    # weak), so the IVR's next questions cost no further queries.
    ticket = Ticket(
        service_class=service_class,
        classification_reason=classification.reason,
        source=TicketSource.PHONE,
        client=contact.client if contact else None,
        contact=contact,
        caller_number=e164 or from_raw[:64],
        opened_at=now,
        drill=drill,
        drill_page_to=drill_page_to if drill else None,
    )
    session.add(ticket)
    session.flush()
    call = Call(
        call_sid=call_sid,
        ticket=ticket,
        from_raw=from_raw[:64],
        caller_e164=e164,
        to_number=to_number[:64],
        started_at=now,
        classified_for=classification.local,
        service_class=service_class,
        reason=classification.reason,
        in_business_hours=not classification.is_emergency,
    )
    session.add(call)
    _opening_events(session, ticket, call, classification, contact, now)
    session.flush()
    return call


def _opening_events(
    session: Session,
    ticket: Ticket,
    call: Call,
    classification: Classification,
    contact: Contact | None,
    now: datetime,
) -> None:
    identified = (
        (contact.name, contact.client.name, contact.client.account_number) if contact else None
    )
    for kind, text in opening_lines(classification, call.from_raw, call.caller_e164, identified):
        add_event(session, ticket.id, kind, text, at=now)


def opening_lines(
    classification: Classification,
    from_raw: str,
    caller_e164: str | None,
    identified: tuple[str, str, str] | None,
) -> list[tuple[EventKind, str]]:
    """A new call's first timeline lines; `identified` is the caller's (name, company,
    account number) when their number is known."""
    lines = [
        (EventKind.CALL_RECEIVED, f"Call received from {_describe_caller(from_raw, caller_e164)}.")
    ]
    local = classification.local
    when = f"{local:%a %Y-%m-%d %H:%M %Z}"
    if classification.is_emergency:
        text = f"Classified emergency: {classification.reason} ({when})."
    else:
        text = f"Business hours ({when}): the caller is offered the menu."
    lines.append((EventKind.CLASSIFIED, text))
    if identified is not None:
        name, company, account = identified
        lines.append(
            (
                EventKind.CALLER_IDENTIFIED,
                f"Caller identified by phone: {name}, {company} (account {account}).",
            )
        )
    else:
        lines.append((EventKind.CALLER_UNKNOWN, "Caller not identified by phone."))
    return lines


def transfer_line(technician_name: str) -> tuple[EventKind, str]:
    """The timeline line of a live transfer begun."""
    return EventKind.TRANSFER, f"Ringing {technician_name} for a live transfer."


def identify_by_account(session: Session, call: Call, digits: str, *, now: datetime) -> bool:
    """Match an account number keyed in by the caller; True when it names a client."""
    digits = "".join(ch for ch in digits if ch.isdigit())[:12]
    client = client_by_account(session, digits) if digits else None
    ticket = call.ticket
    if client is None or not client.active:
        # A former client's caller is still answered, as unknown; staff see whose it was.
        shown = digits or "nothing"
        if client is not None:
            shown += f" (the account of {client.name}, no longer a client)"
        add_event(
            session, ticket.id, EventKind.ACCOUNT_NOT_FOUND, f"Account entered: {shown}.", at=now
        )
        return False
    ticket.client = client
    add_event(
        session,
        ticket.id,
        EventKind.CALLER_IDENTIFIED,
        f"Caller identified by account number: {client.name} (account {client.account_number}).",
        at=now,
    )
    return True


def give_up_identifying(session: Session, call: Call, *, now: datetime) -> None:
    """Record that the caller stays unknown after the allowed tries."""
    add_event(
        session, call.ticket_id, EventKind.CALLER_UNKNOWN, "Going on as an unknown caller.", at=now
    )


def choose_service(session: Session, call: Call, service_class: str, *, now: datetime) -> None:
    """Store the business-hours menu choice; "emergency" turns the call into one."""
    ticket = call.ticket
    chosen = ServiceClass(service_class)
    call.service_class = ticket.service_class = chosen
    if chosen == ServiceClass.EMERGENCY:
        ticket.classification_reason = "business hours: caller said it is an emergency"
        text = "Caller chose emergency (business hours): emergency rates apply."
    else:
        label = chosen.label.lower()
        ticket.classification_reason = f"business hours: caller chose {label}"
        text = f"Caller chose {label}."
    add_event(session, ticket.id, EventKind.CLASSIFIED, text, at=now)


def store_recording(
    session: Session,
    call: Call,
    *,
    url: str,
    sid: str,
    duration: int | None,
    now: datetime,
) -> None:
    """Keep the caller's recorded message on the ticket; a further one in the same call (a
    caller moved to a message again) is kept beside it, never in its place."""
    ticket = call.ticket
    seconds = f"{duration} s" if duration is not None else "unknown length"
    if ticket.recording_url is None or ticket.recording_sid in (None, sid[:64]):
        ticket.recording_url, ticket.recording_sid = url[:500], sid[:64]
        ticket.recording_duration = duration
        message = f"Message recorded ({seconds})."
    else:
        if _further(session, sid) is not None:
            return
        session.add(
            FurtherRecording(ticket_id=ticket.id, sid=sid[:64], url=url[:500], duration=duration)
        )
        message = f"Another message recorded ({seconds})."
    add_event(session, ticket.id, EventKind.RECORDING, message, at=now)


def _further(session: Session, sid: str) -> FurtherRecording | None:
    return session.scalar(select(FurtherRecording).where(FurtherRecording.sid == sid[:64]))


def further_recordings(session: Session, ticket_id: int) -> list[FurtherRecording]:
    """The ticket's messages after the first, in the order they were recorded."""
    stmt = select(FurtherRecording).where(FurtherRecording.ticket_id == ticket_id)
    return list(session.scalars(stmt.order_by(FurtherRecording.id)))


def note_no_recording(session: Session, call: Call, *, now: datetime) -> None:
    """Record that the caller left no message (the ticket goes on regardless)."""
    add_event(session, call.ticket_id, EventKind.RECORDING, "No message was recorded.", at=now)


def store_transcription(
    session: Session,
    call: Call,
    *,
    text: str,
    status: str,
    now: datetime,
    recording_sid: str = "",
) -> None:
    """Keep Twilio's transcription of the message as the ticket's description (that of a
    further message is added to it)."""
    ticket = call.ticket
    # The first message's sid is the ticket's own: only another one can be a further message.
    is_further = bool(recording_sid) and recording_sid[:64] != ticket.recording_sid
    further = _further(session, recording_sid) if is_further else None
    if further is not None:
        _store_further_transcription(session, ticket, further, text, status, now)
        return
    if status != "completed" or not text.strip():
        add_event(
            session,
            ticket.id,
            EventKind.TRANSCRIPTION,
            "The message could not be transcribed.",
            at=now,
        )
        return
    if ticket.description:
        return
    ticket.description = text.strip()[:4000]
    add_event(session, ticket.id, EventKind.TRANSCRIPTION, "Message transcribed.", at=now)
    if ticket.paged_at is not None:
        send_callers_words(session, ticket, now=now)


def _store_further_transcription(
    session: Session,
    ticket: Ticket,
    further: FurtherRecording,
    text: str,
    status: str,
    now: datetime,
) -> None:
    if further.transcription is not None:
        return  # Twilio's retry of the same transcription
    if status != "completed" or not text.strip():
        further.transcription = ""
        add_event(
            session,
            ticket.id,
            EventKind.TRANSCRIPTION,
            "Another message could not be transcribed.",
            at=now,
        )
        return
    further.transcription = text.strip()[:4000]
    words = f"Further message: {further.transcription}"
    ticket.description = f"{ticket.description}\n\n{words}" if ticket.description else words
    ticket.description = ticket.description[:8000]
    add_event(session, ticket.id, EventKind.TRANSCRIPTION, "Another message transcribed.", at=now)


def set_callback(session: Session, call: Call, e164: str, *, now: datetime) -> None:
    """Use `e164` as the number to call the client back on."""
    call.ticket.callback_number = e164
    add_event(
        session, call.ticket_id, EventKind.CALLBACK, f"Callback number: {national(e164)}.", at=now
    )


def complete_intake(session: Session, call: Call, *, now: datetime, how: str) -> bool:
    """Close the intake: callback default, payment flag, page if an emergency. Runs once."""
    # Locked so the last IVR step and the hang-up callback cannot both page.
    ticket = locked_ticket(session, call)
    if ticket.intake_completed_at is not None:
        return False
    # Nothing read from here on depends on what is written (the reads are of the company,
    # the policy, who is on call): the writes reach the database together, at the next
    # flush, one statement per table, instead of a flush before every read.
    with session.no_autoflush:
        _complete(session, call, ticket, now=now, how=how)
    return True


def _complete(session: Session, call: Call, ticket: Ticket, *, now: datetime, how: str) -> None:
    ticket.intake_completed_at = now
    if ticket.callback_number is None and call.caller_e164:
        set_callback(session, call, call.caller_e164, now=now)
    if ticket.client is None or not ticket.client.has_msa:
        ticket.payment_contact = True
        add_event(
            session,
            ticket.id,
            EventKind.PAYMENT_CONTACT,
            "No Master Services Agreement on file: flagged for billing to contact for payment.",
            at=now,
        )
    add_event(session, ticket.id, EventKind.INTAKE_COMPLETE, f"Intake complete: {how}.", at=now)
    # A technician who took the call live already acknowledged it: nobody else is woken.
    if ticket.service_class == ServiceClass.EMERGENCY and ticket.status == TicketStatus.OPEN:
        start_escalation(session, ticket, now=now)


def call_status(
    session: Session, call_sid: str, status: str, sequence: int | None, *, now: datetime
) -> None:
    """Apply a call status callback; a call that ended mid-intake still gets its ticket paged."""
    # Locked as it is loaded: a hang-up may complete the intake.
    call = call_for_update(session, call_sid)
    if call is None:
        return
    if sequence is not None:
        if sequence <= call.last_sequence:
            return  # an older callback arriving late must not undo a newer one
        call.last_sequence = sequence
    call.status = status[:20]
    if status in CALL_ENDED and call.ended_at is None:
        call.ended_at = now
        add_event(session, call.ticket_id, EventKind.CALL_ENDED, f"Call ended ({status}).", at=now)
        complete_intake(session, call, now=now, how="the caller hung up before the end")


def complete_stalled_intakes(session: Session, now: datetime) -> int:
    """Sweep: finish intakes whose last webhook never came (no ticket waits forever)."""
    stmt = (
        select(Call)
        .join(Ticket, Ticket.id == Call.ticket_id)
        .where(Ticket.intake_completed_at.is_(None), Call.started_at < now - STALLED_AFTER)
        .limit(100)
    )
    done = 0
    for call in session.scalars(stmt):
        done += complete_intake(session, call, now=now, how="no further word from the call")
    return done


def call_view(call: Call, firm_name: str) -> CallView:
    """What the IVR needs to know about this call."""
    ticket = call.ticket
    client = ticket.client
    return CallView(
        firm_name=firm_name,
        service_class=ticket.service_class,
        in_business_hours=call.in_business_hours,
        client_name=client.name if client else None,
        has_msa=bool(client and client.has_msa),
        caller_number=call.caller_e164,
        callback_number=ticket.callback_number,
        ticket_number=ticket.number,
    )


def choose_transfer(session: Session, call: Call, *, now: datetime) -> Technician | None:
    """The technician to ring live for this emergency, once per call (None: take a message)."""
    if call.transfer_technician_id is not None or call.ticket.status != TicketStatus.OPEN:
        return None
    tech = on_call(session, now, OnCallRole.PRIMARY)
    if tech is None:
        return None
    call.transfer_technician_id = tech.id
    kind, text = transfer_line(tech.name)
    add_event(session, call.ticket_id, kind, text, at=now)
    return tech


def accept_transfer(
    session: Session, call: Call, technician_id: int, accepted: bool, *, now: datetime
) -> bool:
    """The technician answered the whisper: 1 takes the call (and acknowledges the ticket)."""
    tech = session.get(Technician, technician_id)
    if tech is None or call.transfer_technician_id != technician_id:
        return False
    if not accepted:
        add_event(
            session, call.ticket_id, EventKind.TRANSFER, f"{tech.name} declined the call.", at=now
        )
        return False
    call.transfer_accepted_at = now
    acknowledge(session, call.ticket, tech, now=now, via="took the call live")
    return True


def transfer_ended(session: Session, call: Call, dial_status: str, *, now: datetime) -> bool:
    """The caller's dial ended: True if they spoke with the technician."""
    if call.transfer_accepted_at is not None:
        add_event(
            session,
            call.ticket_id,
            EventKind.TRANSFER,
            "Live call with the technician ended.",
            at=now,
        )
        complete_intake(session, call, now=now, how="the technician took the call live")
        return True
    add_event(
        session,
        call.ticket_id,
        EventKind.TRANSFER,
        f"Live transfer not taken ({dial_status or 'no answer'}): taking a message.",
        at=now,
    )
    return False
