"""Texts from technicians to our number: acknowledge, resolve, escalate, not an emergency,
help, and Twilio's opt-out keywords. Each text is kept once and answered in words.

`handle_text` decides; the webhook only turns its answer into a TwiML <Message>.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from ivr.phones import national, to_e164
from ticketing.firm import firm_in
from ticketing.models import (
    OutboxKind,
    OutboxMessage,
    ServiceClass,
    Technician,
    Ticket,
    TicketStatus,
)
from ticketing.paging import reply_text as text
from ticketing.paging.actions import Action, perform, was_paged
from ticketing.paging.models import InboundMessage
from ticketing.paging.phone_tests import PASSED_REPLY, answer_by_text
from ticketing.paging.reply_parser import Command, Reply, opt_out_command, parse_reply
from ticketing.people.availability import make_available, make_away

__all__ = ["Command", "Reply", "handle_text", "parse_reply"]

STRANGER_ANSWERED = "unknown sender: answered"
# Someone texting the wrong number gets one polite answer a day, not a conversation.
STRANGER_QUIET = timedelta(hours=24)
# Ticket ids are 32-bit integers: a longer number cannot name one (and PostgreSQL
# would refuse to compare with it).
MAX_TICKET = 2**31 - 1
_ACTIONS = {
    Command.ACK: Action.ACK,
    Command.RESOLVE: Action.RESOLVE,
    Command.ESCALATE: Action.ESCALATE,
    Command.NOT_EMERGENCY: Action.NOT_EMERGENCY,
}


@dataclass(frozen=True)
class Answer:
    """What happened to one text: the reply to send (or None) and what to record."""

    reply: str | None
    outcome: str
    ticket_id: int | None = None


def handle_text(
    session: Session,
    *,
    message_sid: str,
    from_number: str,
    body: str,
    opt_out_type: str | None,
    now: datetime,
    firm_name: str | None = None,
    support_number: str | None = None,
) -> str | None:
    """Act on one inbound text and return the reply to send (None: send nothing)."""
    if not message_sid:
        raise ValueError("an inbound text without MessageSid")
    if session.scalar(select(InboundMessage.id).where(InboundMessage.message_sid == message_sid)):
        return None  # already handled under this MessageSid: never act twice
    sender = to_e164(from_number) or from_number.strip()[:64]
    inbound = InboundMessage(
        message_sid=message_sid[:64], from_number=sender, body=body[:1600], received_at=now
    )
    session.add(inbound)
    session.flush()  # the unique MessageSid stops a concurrent duplicate here
    reply = parse_reply(body)
    command = opt_out_command(opt_out_type) or reply.command
    tech = _technician(session, sender)
    if answer_by_text(session, tech, body, now):
        answer = Answer(PASSED_REPLY, "phone test passed")
    elif command in (Command.OPT_OUT, Command.OPT_IN):
        answer = _opt(session, sender, command, opt_out_type, tech is not None)
    elif tech is None:
        firm = firm_in(session)
        name, line = firm_name or firm.name, support_number or firm.main_line
        answer = _stranger(session, sender, now, name, national(line) if line else firm.call_line)
    elif command is Command.HELP:
        answer = Answer(text.HELP, "help")
    elif command in (Command.AVAILABLE, Command.AWAY):
        answer = _availability(tech, command, now)
    elif command is Command.UNKNOWN:
        answer = Answer(text.NOT_UNDERSTOOD, "not understood")
    else:
        answer = _act(session, tech, Reply(command, reply.ticket, reply.rest), now)
    inbound.technician_id = tech.id if tech else None
    inbound.ticket_id, inbound.outcome = answer.ticket_id, answer.outcome[:200]
    return answer.reply


def _availability(tech: Technician, command: Command, now: datetime) -> Answer:
    """AVAIL / AWAY: the technician's availability for help-desk callers, confirmed."""
    if command is Command.AWAY:
        make_away(tech, now=now)
        return Answer(text.AWAY, "away")
    if make_available(tech, now=now):
        return Answer(text.AVAILABLE, "available")
    return Answer(text.ALREADY_AVAILABLE, "available")


def _technician(session: Session, sender: str) -> Technician | None:
    stmt = select(Technician).where(Technician.phone == sender, Technician.active.is_(True))
    return session.scalars(stmt.order_by(Technician.id).limit(1)).first()


def _opt(
    session: Session, sender: str, command: Command, opt_out_type: str | None, known: bool
) -> Answer:
    """STOP-family: texts to this number now fail (21610), so pages go by voice instead."""
    opted_out = command is Command.OPT_OUT
    # Twilio's opt-out is per phone number: every technician on that number is affected.
    session.execute(
        update(Technician).where(Technician.phone == sender).values(sms_opted_out=opted_out)
    )
    keyword = f" ({opt_out_type.strip().upper()[:20]})" if opt_out_type else ""
    if not known:
        return Answer(None, f"opt-{'out' if opted_out else 'in'} from unknown sender{keyword}")
    if opted_out:
        # Twilio has confirmed it already and would refuse our reply anyway.
        return Answer(None, f"opted out of texts{keyword}: pages go by voice")
    return Answer(text.OPTED_IN, f"opted back in to texts{keyword}")


def _stranger(session: Session, sender: str, now: datetime, firm_name: str, support: str) -> Answer:
    recent = select(func.count(InboundMessage.id)).where(
        InboundMessage.from_number == sender,
        InboundMessage.outcome == STRANGER_ANSWERED,
        InboundMessage.received_at > now - STRANGER_QUIET,
    )
    if session.scalar(recent):
        return Answer(None, "unknown sender: ignored (answered within 24 hours)")
    return Answer(text.stranger(firm_name, support), STRANGER_ANSWERED)


def _act(session: Session, tech: Technician, reply: Reply, now: datetime) -> Answer:
    target = _target(session, tech, reply)
    if isinstance(target, Answer):
        return target
    action = _ACTIONS[reply.command]
    paged = was_paged(session, target, tech)
    done = perform(session, action, target, tech, now=now, via="SMS", reason=reply.rest)
    outcome = f"{action.value} #{target.number}: {'done' if done else 'refused'}"
    if done:
        message = text.done(action, target, reason=reply.rest, paged=paged)
    else:
        message = text.why_not(action, target, tech)
    return Answer(message, outcome, target.id)


def _target(session: Session, tech: Technician, reply: Reply) -> Ticket | Answer:
    """The ticket the text names, or its sender's one open page; otherwise an Answer."""
    if reply.ticket is not None:
        ticket = session.get(Ticket, reply.ticket) if reply.ticket <= MAX_TICKET else None
        if ticket is None:
            listed = open_pages(session, tech, reply.command)
            return Answer(text.no_such_ticket(reply.ticket, listed), f"no ticket {reply.ticket}")
        return ticket
    candidates = open_pages(session, tech, reply.command)
    if len({ticket.joined_to_id or ticket.id for ticket in candidates}) == 1:
        # One company's tickets paged by one escalation are one answer: the lowest number
        # (its lead), whose acknowledgement takes the others with it.
        candidates = candidates[-1:]
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        return Answer(text.no_open_page(reply.command), "no open page")
    numbers = ", ".join(str(t.number) for t in candidates)
    return Answer(text.which_one(reply.command, candidates), f"ambiguous: {numbers}")


def open_pages(session: Session, tech: Technician, command: Command) -> list[Ticket]:
    """Emergencies a bare command could mean, newest first: open ones that paged `tech`
    (for RES and NE also those `tech` acknowledged)."""
    paged = select(OutboxMessage.ticket_id).where(
        OutboxMessage.kind == OutboxKind.PAGE, OutboxMessage.technician_id == tech.id
    )
    statuses = [TicketStatus.OPEN]
    if command in (Command.RESOLVE, Command.NOT_EMERGENCY):
        statuses.append(TicketStatus.ACKNOWLEDGED)
    stmt = select(Ticket).where(
        Ticket.service_class == ServiceClass.EMERGENCY,
        Ticket.status.in_(statuses),
        or_(Ticket.id.in_(paged), Ticket.acknowledged_by_id == tech.id),
        # A colleague's acknowledged ticket is theirs to resolve, not a bare RES of ours.
        or_(Ticket.acknowledged_by_id.is_(None), Ticket.acknowledged_by_id == tech.id),
    )
    return list(session.scalars(stmt.order_by(Ticket.id.desc()).limit(6)))
