"""The escalation engine: an emergency pages step by step until someone acknowledges.

Timers are rows: each active escalation carries `escalate_at`, the moment its
next step is due. Firing a step writes its pages to the outbox and moves the
step counter in one transaction, guarded by the `fence` version column, so a
step fires at most once however many schedulers sweep and whenever one dies.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from ivr.phones import national
from ticketing.event_kinds import EventKind
from ticketing.firm import firm_of
from ticketing.models import (
    OutboxChannel,
    OutboxKind,
    OutboxMessage,
    OutboxStatus,
    Technician,
    Ticket,
)
from ticketing.oncall.roster import on_call
from ticketing.outbox import enqueue_call, enqueue_sms
from ticketing.paging.drills import drill_recipients, drilled
from ticketing.paging.joining import group_note, join, running_escalation
from ticketing.paging.models import (
    Escalation,
    EscalationPolicy,
    EscalationStatus,
    EscalationStep,
    EscalationTarget,
)
from ticketing.paging.pages import page_text
from ticketing.paging.policies import default_policy
from ticketing.timeline import add_event


@dataclass(frozen=True)
class PlannedStep:
    """Step `index` of an escalation (counting across repeated rounds) and when it is due."""

    index: int
    step: EscalationStep
    round: int
    due: datetime


def _round_length(policy: EscalationPolicy) -> int:
    return policy.steps[-1].delay_seconds + policy.repeat_delay_seconds


def total_steps(policy: EscalationPolicy) -> int:
    """How many steps an escalation under `policy` fires at most."""
    return len(policy.steps) * policy.repeat


def planned_step(escalation: Escalation, index: int) -> PlannedStep | None:
    """Step `index` with its due time, or None past the last round."""
    policy = escalation.policy
    if not policy.steps or index >= total_steps(policy):
        return None
    round_, position = divmod(index, len(policy.steps))
    step = policy.steps[position]
    offset = round_ * _round_length(policy) + step.delay_seconds
    return PlannedStep(index, step, round_, escalation.started_at + timedelta(seconds=offset))


def escalation_of(session: Session, ticket_id: int, *, lock: bool = False) -> Escalation | None:
    """The ticket's escalation, if it was ever paged (row-locked when about to change it)."""
    stmt = select(Escalation).where(Escalation.ticket_id == ticket_id)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return session.scalar(stmt)


def start_escalation(session: Session, ticket: Ticket, *, now: datetime) -> Escalation:
    """Begin paging for an emergency ticket; the first steps due now fire at once. While
    another emergency of its company is still being paged, it joins that escalation."""
    # Starting and joining an escalation both stamp paged_at (and a ticket has one
    # escalation at most: the column is unique), so a ticket never paged has none.
    existing = escalation_of(session, ticket.id) if ticket.paged_at is not None else None
    if existing is not None:
        return existing
    running = running_escalation(session, ticket)
    if running is not None:
        if ticket.joined_to_id != running.ticket_id:
            join(session, ticket, running, now=now)
        return running
    escalation = Escalation(
        ticket=ticket,
        policy=default_policy(session),
        started_at=now,
        escalate_at=now,
        next_step=0,
        status=EscalationStatus.ACTIVE,
    )
    session.add(escalation)
    ticket.paged_at = now
    # Written by the transaction's next flush with its first steps already counted: an
    # INSERT, not an INSERT and an UPDATE.
    fire_due(session, escalation, now=now)
    return escalation


def fire_due(session: Session, escalation: Escalation, *, now: datetime) -> int:
    """Fire every step whose time has come (after a crash, all the overdue ones, in order)."""
    fired = 0
    while (
        escalation.is_active
        and escalation.escalate_at is not None
        and escalation.escalate_at <= now
    ):
        _fire_next(session, escalation, now)
        fired += 1
    return fired


def _fire_next(
    session: Session, escalation: Escalation, now: datetime, *, passing: Technician | None = None
) -> bool:
    """Fire the next step, leaving out `passing`; False when that left nobody to notify."""
    planned = planned_step(escalation, escalation.next_step)
    if planned is None:
        _exhaust(session, escalation, now)
        return True
    ticket = escalation.ticket
    found = _recipients(session, ticket, planned, now)
    recipients = [tech for tech in found if passing is None or tech.id != passing.id]
    if found and not recipients:
        add_event(
            session,
            ticket.id,
            EventKind.ESCALATION,
            f"Step {planned.index + 1} skipped: it would page {passing.name}, "
            "who asked to escalate.",
            at=now,
        )
    escalation.next_step += 1
    following = planned_step(escalation, escalation.next_step)
    if following is not None:
        escalation.escalate_at = following.due
    else:
        # The last step gets the round's pause to be answered before staff are alerted.
        pause = timedelta(seconds=escalation.policy.repeat_delay_seconds)
        escalation.escalate_at = max(planned.due, now) + pause
    # An escalation not written yet was started by this transaction: nothing can be owed
    # under its keys, nobody has joined it, and no other scheduler can fire it.
    new = inspect(escalation).pending
    for tech in recipients:
        _notify(session, ticket, tech, planned, now, new=new)
    if not new:
        session.flush()  # the version check on `fence` happens here
    return bool(recipients)


def _recipients(
    session: Session, ticket: Ticket, planned: PlannedStep, now: datetime
) -> list[Technician]:
    if ticket.drill_page_to:
        return drill_recipients(session, ticket, now)
    step = planned.step
    if step.target == EscalationTarget.TECHNICIAN:
        found = [step.technician] if step.technician and step.technician.active else []
    elif step.target == EscalationTarget.MANAGER:
        found = list(
            session.scalars(
                select(Technician).where(Technician.is_manager.is_(True), Technician.active)
            )
        )
    else:
        tech = on_call(session, now, step.target)
        found = [tech] if tech else []
    if found:
        return found
    if step.target == EscalationTarget.PRIMARY:
        # Nobody on call is a staffing gap, not a reason to lose an emergency.
        everyone = list(session.scalars(select(Technician).where(Technician.active.is_(True))))
        add_event(
            session,
            ticket.id,
            EventKind.PAGE_FAILED if not everyone else EventKind.PAGED,
            "Nobody is on call as primary: paging every technician."
            if everyone
            else "No technician exists to page: add one with `intake technicians add`.",
            at=now,
        )
        return everyone
    add_event(
        session,
        ticket.id,
        EventKind.ESCALATION,
        f"Step {planned.index + 1}: no {step.target} to notify.",
        at=now,
    )
    return []


def _notify(
    session: Session,
    ticket: Ticket,
    tech: Technician,
    planned: PlannedStep,
    now: datetime,
    *,
    new: bool,
) -> None:
    channels = planned.step.channels.split("+")
    if OutboxChannel.SMS in channels and tech.sms_opted_out:
        # They replied STOP: Twilio would refuse the text (21610). Ring them instead.
        channels = [OutboxChannel.CALL]
        add_event(
            session,
            ticket.id,
            EventKind.PAGED,
            f"{tech.name} has opted out of texts: calling.",
            at=now,
        )
    key = f"esc:{ticket.id}:{planned.index}:{tech.id}"
    for channel in dict.fromkeys(channels):
        if channel == OutboxChannel.SMS:
            note = "" if new else group_note(session, ticket)
            enqueue_sms(
                session,
                ticket,
                tech,
                page_text(ticket, firm_of(session), note=note),
                key=f"{key}:sms",
                now=now,
                step=planned.index,
                new_key=new,
            )
        else:
            enqueue_call(
                session,
                ticket,
                tech,
                key=f"{key}:call",
                now=now,
                step=planned.index,
                new_key=new,
            )
    how = " and ".join(
        "SMS" if c == OutboxChannel.SMS else "voice call" for c in dict.fromkeys(channels)
    )
    round_note = f", round {planned.round + 1}" if planned.round else ""
    add_event(
        session,
        ticket.id,
        EventKind.PAGED,
        f"Step {planned.index + 1}{round_note}: paging {tech.name} "
        f"({national(tech.phone)}) by {how}.",
        at=now,
    )


def _exhaust(session: Session, escalation: Escalation, now: datetime) -> None:
    escalation.exhaust(now)
    ticket = escalation.ticket
    add_event(
        session,
        ticket.id,
        EventKind.ESCALATION_EXHAUSTED,
        "Nobody acknowledged after every escalation step: staff alerted.",
        at=now,
    )
    managers = list(
        session.scalars(
            select(Technician).where(Technician.is_manager.is_(True), Technician.active)
        )
    )
    staff = managers or list(session.scalars(select(Technician).where(Technician.active)))
    if ticket.drill_page_to:
        staff = drill_recipients(session, ticket, now)
    body = drilled(
        f"UNACKNOWLEDGED EMERGENCY #{ticket.number}: every escalation step ran out. "
        + page_text(ticket, firm_of(session), note=group_note(session, ticket)),
        ticket,
    )
    for tech in staff:
        enqueue_sms(
            session,
            ticket,
            tech,
            body[:600],
            key=f"exhausted:{ticket.id}:{tech.id}",
            now=now,
            kind=OutboxKind.ALERT,
        )


def sweep_escalations(session: Session, now: datetime, *, batch: int = 50) -> int:
    """Scheduler sweep: fire the due steps of every active escalation (rows locked, skipped
    when another scheduler holds them)."""
    stmt = (
        select(Escalation)
        .where(Escalation.status == EscalationStatus.ACTIVE, Escalation.escalate_at <= now)
        .order_by(Escalation.escalate_at)
        .limit(batch)
        .with_for_update(skip_locked=True)
    )
    return sum(fire_due(session, escalation, now=now) for escalation in session.scalars(stmt))


def stop_escalation(
    session: Session, ticket: Ticket, status: EscalationStatus, *, now: datetime
) -> int:
    """End paging (acknowledged, resolved, cancelled) and drop pages not yet sent."""
    escalation = escalation_of(session, ticket.id, lock=True)
    if escalation is not None:
        escalation.end(status, now)
    unsent = session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.ticket_id == ticket.id,
            OutboxMessage.kind == OutboxKind.PAGE,
            OutboxMessage.status == OutboxStatus.PENDING,
        )
    ).all()
    for page in unsent:
        page.cancel()
    return len(unsent)


def escalate_now(
    session: Session, ticket: Ticket, *, now: datetime, asked_by: Technician | None = None
) -> bool:
    """Fire the next step at once (a technician said ESC, or a page could not get through);
    steps that would only page the technician who asked are passed over."""
    # A ticket that joined its company's escalation escalates that one.
    escalation = escalation_of(session, ticket.joined_to_id or ticket.id, lock=True)
    if escalation is None or not escalation.is_active:
        return False
    escalation.escalate_at = now
    if asked_by is not None:
        # ESC means "someone else": paging the one who said it again answers nothing.
        while escalation.is_active and not _fire_next(session, escalation, now, passing=asked_by):
            pass
    fire_due(session, escalation, now=now)
    return True
