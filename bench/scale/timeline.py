"""What hangs off each scale ticket, as the calls, the paging and the portal leave it: the
call, the help-desk queue entry, the service request, the pages and escalation of an
emergency, and the timeline lines (same kinds and wording as ticketing/ and sandbox/demo/)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal

from bench.harness import SUPPORT_LINE
from bench.scale.tickets import EMERGENCY, HELP_DESK, ZONE, TicketPlan
from bench.scale.writer import BulkWriter
from ivr.phones import national
from ticketing.calls.models import QueueEntry
from ticketing.models import Call, OutboxMessage, TicketEvent
from ticketing.paging.models import Escalation
from ticketing.service_requests.models import RequestWindow, ServiceRequest

MINUTE = timedelta(minutes=1)


def write_timeline(writer: BulkWriter, plans: list[TicketPlan], policy_id: int) -> None:
    """Every child row of every ticket, table by table."""
    phone = [p for p in plans if p.phone]
    writer.write(Call.__table__, CALL_COLUMNS, (_call(p) for p in phone))
    desk = [p for p in phone if not p.called_emergency and p.work]
    writer.write(QueueEntry.__table__, QUEUE_COLUMNS, (_queued(p) for p in desk))
    emergencies = [p for p in plans if p.called_emergency]
    paging = (_escalation(p, policy_id) for p in emergencies)
    writer.write(Escalation.__table__, ESCALATION_COLUMNS, paging)
    writer.write(OutboxMessage.__table__, OUTBOX_COLUMNS, _pages(emergencies))
    asked = [p for p in plans if not p.phone]
    first = writer.next_id(ServiceRequest.__table__)
    requests = (_request(first + i, p) for i, p in enumerate(asked))
    writer.write(ServiceRequest.__table__, REQUEST_COLUMNS, requests)
    windows = ((first + i, *_window(p)) for i, p in enumerate(asked))
    writer.write(RequestWindow.__table__, ("request_id", "starts_at", "ends_at"), windows)
    writer.write(TicketEvent.__table__, EVENT_COLUMNS, _events(plans))


EVENT_COLUMNS = ("ticket_id", "at", "kind", "message", "actor")
CALL_COLUMNS = (
    "call_sid", "ticket_id", "from_raw", "caller_e164", "to_number", "started_at",
    "classified_for", "service_class", "reason", "in_business_hours", "status",
    "last_sequence", "ended_at", "transfer_technician_id", "transfer_accepted_at",
)  # fmt: skip
QUEUE_COLUMNS = (
    "call_sid", "ticket_id", "queued_at", "left_at", "outcome", "wait_seconds",
    "technician_id", "capped",
)  # fmt: skip
ESCALATION_COLUMNS = (
    "ticket_id", "policy_id", "status", "started_at", "next_step", "escalate_at", "fence",
    "ended_at",
)  # fmt: skip
OUTBOX_COLUMNS = (
    "dedupe_key", "ticket_id", "technician_id", "kind", "escalation_step", "channel",
    "to_number", "body", "status", "attempts", "next_attempt_at", "provider_sid",
    "delivery_status", "created_at", "sent_at",
)  # fmt: skip
REQUEST_COLUMNS = (
    "id", "ticket_id", "preferred_technician_id", "hour_limit", "scheduled_technician_id",
    "scheduled_start", "confirmed_at", "requested_by", "created_at",
)  # fmt: skip


def call_sid(p: TicketPlan) -> str:
    """A CallSid like Twilio's (CA + 32 hex digits), unique per ticket."""
    return f"CA5ca1e{p.id:027x}"


def _call(p: TicketPlan) -> tuple:
    cls = EMERGENCY if p.called_emergency else HELP_DESK
    return (
        call_sid(p), p.id, p.contact[2], p.contact[2], SUPPORT_LINE, p.opened, p.opened, cls,
        p.reason, not p.called_emergency or p.reason == "the caller chose emergency",
        "completed", 6, p.opened + 4 * MINUTE, None, None,
    )  # fmt: skip


def _queued(p: TicketPlan) -> tuple:
    wait = 30 + p.id % 240
    left = p.opened + MINUTE + timedelta(seconds=wait)
    return (call_sid(p), p.id, p.opened + MINUTE, left, "answered", wait, p.tech[0], False)


def _escalation(p: TicketPlan, policy_id: int) -> tuple:
    acked = p.acked_at
    if acked is None:  # nobody answered any of the 8 steps
        ended = p.opened + timedelta(minutes=36)
        return (p.id, policy_id, "exhausted", p.opened, 8, None, 8, ended)
    steps = 1 if p.ack_minutes and p.ack_minutes < 5 else 2
    return (p.id, policy_id, "acknowledged", p.opened, steps, None, steps, acked)


def _pages(emergencies: list[TicketPlan]) -> Iterator[tuple]:
    """The first step's text to the technician, and the caller told who is on it."""
    for p in emergencies:
        paged = p.opened + MINUTE
        tech_id, name, tech_phone = p.tech
        text = f"EMERGENCY #{p.id} {p.client.name}: {p.description} Reply ACK {p.id}"[:320]
        key, sid = f"esc:{p.id}:0:{tech_id}:sms", f"SM{p.id:032x}"
        yield (key, p.id, tech_id, "page", 0, "sms", tech_phone, text, "sent", 1, paged, sid,
               "delivered", paged, paged)  # fmt: skip
        acked, caller = p.acked_at, p.contact[2]
        if acked is not None:
            body = f"{name} is on ticket #{p.id} and will call you back."
            key, sid = f"ack:{p.id}:{caller}", f"SM{p.id:031x}a"
            yield (key, p.id, None, "notice", None, "sms", caller, body, "sent", 1, acked, sid,
                   "delivered", acked, acked)  # fmt: skip


def _request(request_id: int, p: TicketPlan) -> tuple:
    start = p.work[0][0] if p.work else p.opened + timedelta(days=2)
    scheduled = p.tech[0] if p.scheduled else None
    return (
        request_id, p.id, p.tech[0], Decimal(6), scheduled, start if scheduled else None,
        p.opened + timedelta(hours=2) if scheduled else None, p.user[1] if p.user else "",
        p.opened,
    )  # fmt: skip


def _window(p: TicketPlan) -> tuple[datetime, datetime]:
    start = p.work[0][0] if p.work else p.opened + timedelta(days=2)
    return start, start + timedelta(hours=4)


def _local(moment: datetime) -> str:
    return f"{moment.astimezone(ZONE):%a %Y-%m-%d %H:%M %Z}"


def _events(plans: list[TicketPlan]) -> Iterator[tuple]:
    for p in plans:
        yield from (_opening(p) if p.phone else _asked(p))
        yield from _work(p)


def _opening(p: TicketPlan) -> Iterator[tuple]:
    at, (_, person, number) = p.opened, p.contact
    yield (p.id, at, "call_received", f"Call received from {national(number)}.", "system")
    if p.called_emergency:
        text = f"Classified emergency: {p.reason} ({_local(at)})."
    else:
        text = f"Business hours ({_local(at)}): the caller is offered the menu."
    yield (p.id, at, "classified", text, "system")
    who = f"{person}, {p.client.name} (account {p.client.account})"
    yield (p.id, at, "caller_identified", f"Caller identified by phone: {who}.", "system")
    if not p.client.has_msa:
        text = "No Master Services Agreement on file: flagged for billing to contact for payment."
        yield (p.id, at, "payment_contact", text, "system")
    if not p.called_emergency:
        yield (p.id, at + MINUTE, "helpdesk_queue", "Queued for the help desk.", "system")
        if p.work:
            tech = p.tech[1]
            yield (p.id, at + 2 * MINUTE, "helpdesk_answered", f"Answered by {tech}.", tech)
        return
    later = at + MINUTE
    yield (p.id, later, "recording", "Message recorded (41 s).", "system")
    yield (p.id, later, "transcription", "Message transcribed.", "system")
    yield (p.id, later, "intake_complete", "Intake complete: the caller left a message.", "system")
    yield from _paging(p)


def _paging(p: TicketPlan) -> Iterator[tuple]:
    _, tech, tech_phone = p.tech
    paged = p.opened + MINUTE
    text = f"Step 1: paging {tech} ({national(tech_phone)}) by SMS."
    yield (p.id, paged, "paged", text, "system")
    acked = p.acked_at
    if acked is None:
        return
    yield (p.id, acked, "acknowledged", f"Acknowledged by {tech} (replied ACK).", tech)
    yield (p.id, acked, "client_notified", f"{p.contact[1]} told by SMS who is on it.", "system")
    if p.cls == HELP_DESK:
        text = (
            f"Reclassified as help desk by {tech}: not an emergency (it can wait for business "
            "hours). The representative was told by SMS and email."
        )
        yield (p.id, acked + 4 * MINUTE, "reclassified", text, tech)


def _asked(p: TicketPlan) -> Iterator[tuple]:
    who = p.user[1] if p.user else p.contact[1]
    tech = p.tech[1]
    text = f"Professional service requested from the portal by {who} (preferred: {tech})."
    yield (p.id, p.opened, "request_received", text, who)
    if p.scheduled:
        start = _window(p)[0]
        text = f"Scheduled with {tech} for {_local(start)}."
        yield (p.id, p.opened + timedelta(hours=2), "scheduled", text, tech)


def _work(p: TicketPlan) -> Iterator[tuple]:
    tech = p.tech[1]
    if p.apply_retainer:
        who = p.user[1] if p.user else p.contact[1]
        yield (p.id, p.opened + 2 * MINUTE, "retainer", f"{who} chose to apply pre-paid hours", who)
    for start, minutes in p.work:
        logged = start + timedelta(minutes=minutes)
        yield (p.id, logged, "time", f"{tech} logged {minutes} min", tech)
    if p.resolved_at is not None:
        yield (p.id, p.resolved_at, "resolved", f"Resolved by {tech}.", tech)
