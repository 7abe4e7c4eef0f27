"""A request's limit on hours: the time logged against it, and the client's representative
told once, before the work goes over it (or as it does, when one entry jumps past it).

The representative is told when the time logged first reaches WARN_AT of the limit, by SMS
and email through the outbox (one dedupe key per ticket, so never twice); the work is never
refused, since it was done: `intake time log` warns staff when an entry passes the limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ticketing.billing.models import TimeEntry
from ticketing.directory import representative_of
from ticketing.event_kinds import EventKind
from ticketing.firm import firm_in
from ticketing.models import Ticket
from ticketing.service_requests.models import ServiceRequest
from ticketing.service_requests.notices import (
    ScheduleNotice,
    hours_text,
    kind_label,
    owe_representative,
)
from ticketing.sms_text import to_gsm7
from ticketing.timeline import add_event

# The share of the limit at which the representative hears of it: time to say stop.
WARN_AT = Decimal("0.8")
HUNDREDTH = Decimal("0.01")


@dataclass(frozen=True)
class LimitUse:
    """Hours logged on a ticket against its request's limit."""

    logged: Decimal
    limit: Decimal

    @property
    def near(self) -> bool:
        """At least WARN_AT of the limit is used."""
        return self.logged >= self.limit * WARN_AT

    @property
    def over(self) -> bool:
        """More than the limit is logged."""
        return self.logged > self.limit


def limit_use(session: Session, ticket_id: int) -> LimitUse | None:
    """The ticket's logged hours against its request's limit; None without a limit."""
    limit = session.scalar(
        select(ServiceRequest.hour_limit).where(ServiceRequest.ticket_id == ticket_id)
    )
    if not limit:
        return None
    minutes = session.scalar(
        select(func.coalesce(func.sum(TimeEntry.minutes), 0)).where(
            TimeEntry.ticket_id == ticket_id
        )
    )
    logged = (Decimal(int(minutes or 0)) / 60).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)
    return LimitUse(logged, Decimal(limit))


def limit_notice(
    ticket: Ticket, use: LimitUse, rep_name: str, firm_name: str, line: str
) -> ScheduleNotice:
    """The words of the SMS and the email to the representative."""
    label = kind_label(ticket.service_class)
    where = "past" if use.over else "of"
    status = f"{hours_text(use.logged)} of work logged, {where} the {hours_text(use.limit)}"
    text = (
        f"{firm_name}: your {label} request #{ticket.number} has {status} limit you set. "
        f"Call {line} if the work may go beyond it."
    )
    body = "\n".join(
        [
            f"Dear {rep_name},",
            "",
            f"Your {label} request #{ticket.number} has {status} limit you set.",
            f"If the work may go beyond it, or should stop at it, call us at {line}.",
            "",
            firm_name,
        ]
    )
    subject = f"Request #{ticket.number}: {hours_text(use.logged)} of {hours_text(use.limit)}"
    return ScheduleNotice(text=to_gsm7(text), subject=subject, email_body=body)


def tell_before_over(session: Session, ticket: Ticket, *, now: datetime) -> LimitUse | None:
    """After time was logged: tell the representative once the limit is near (or passed);
    the use of the limit, None without one."""
    use = limit_use(session, ticket.id)
    if use is None or not use.near or ticket.client_id is None:
        return use
    rep = representative_of(session, ticket.client_id)
    if rep is None:
        return use
    firm = firm_in(session)
    notice = limit_notice(ticket, use, rep.name, firm.name, firm.call_line)
    told = owe_representative(session, ticket, rep, notice, key=f"hour-limit:{ticket.id}", now=now)
    if told:
        line = (
            f"{rep.name} told by {' and '.join(told)}: {hours_text(use.logged)} logged "
            f"of the {hours_text(use.limit)} limit."
        )
        add_event(session, ticket.id, EventKind.CLIENT_NOTIFIED, line, at=now)
    return use
