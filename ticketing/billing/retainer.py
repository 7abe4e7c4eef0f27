"""Pre-paid (retainer) hours: the ledger, its balance, and drawing time from it.

The balance is always the SQL sum of the ledger, never a stored number that could drift
from it. Purchases are positive rows, usage negative rows (one per draw, per ticket).
Emergency work draws `hours x multiplier` (the agreement's emergency multiplier); all
arithmetic is exact Decimal. Each draw rounds half-up to the hundredth of an hour; when
the balance runs out mid-entry, the work hours it covered are rounded the same way and the
rest is returned to be billed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ticketing.billing.models import Agreement, AgreementKind, RetainerEntry, RetainerKind
from ticketing.errors import DomainError
from ticketing.event_kinds import EventKind
from ticketing.models import Client, Ticket
from ticketing.timeline import add_event
from ticketing.wallclock import business_zone

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
WARN_PERCENT = Decimal(80)
DEFAULT_MULTIPLIER = Decimal("1.5")


def hundredths(value: Decimal) -> Decimal:
    """`value` rounded half-up to the hundredth of an hour."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _sum(session: Session, client_id: int, *kinds: RetainerKind) -> Decimal:
    stmt = select(func.sum(RetainerEntry.hours)).where(RetainerEntry.client_id == client_id)
    if kinds:
        stmt = stmt.where(RetainerEntry.kind.in_(kinds))
    total = session.scalar(stmt)
    # SQLite sums NUMERIC as floating point: back to exact hundredths.
    return hundredths(Decimal(str(total))) if total is not None else ZERO


def balance(session: Session, client_id: int) -> Decimal:
    """Hours left: the sum of the client's whole ledger."""
    return _sum(session, client_id)


def purchased(session: Session, client_id: int) -> Decimal:
    """Hours bought in total."""
    return _sum(session, client_id, RetainerKind.PURCHASE)


def used(session: Session, client_id: int) -> Decimal:
    """Hours drawn in total (a positive number)."""
    return -_sum(session, client_id, RetainerKind.USAGE)


def percent_used(session: Session, client_id: int) -> Decimal | None:
    """Used hours as a percentage of purchased ones, None if none were bought. Rounded down
    to the whole percent, so that 79.9% reads 79% (no warning), never 80%."""
    bought = purchased(session, client_id)
    if bought <= 0:
        return None
    return (used(session, client_id) * 100 / bought).quantize(Decimal(1), ROUND_DOWN)


@dataclass(frozen=True)
class Summary:
    """What the portal shows of a client's pre-paid hours."""

    balance: Decimal
    purchased: Decimal
    used: Decimal
    percent_used: Decimal | None

    @property
    def warning(self) -> bool:
        """80% or more of the purchased hours are used."""
        return self.percent_used is not None and self.percent_used >= WARN_PERCENT


def summary(session: Session, client_id: int) -> Summary:
    """Balance, purchased, used and percent used, in one value."""
    return Summary(
        balance(session, client_id),
        purchased(session, client_id),
        used(session, client_id),
        percent_used(session, client_id),
    )


def ledger(session: Session, client_id: int) -> list[RetainerEntry]:
    """The client's ledger, newest first."""
    stmt = (
        select(RetainerEntry)
        .where(RetainerEntry.client_id == client_id)
        .order_by(RetainerEntry.at.desc(), RetainerEntry.id.desc())
    )
    return list(session.scalars(stmt))


def usage_for_ticket(session: Session, ticket_id: int) -> list[RetainerEntry]:
    """The draws made for one ticket, oldest first."""
    stmt = (
        select(RetainerEntry)
        .where(RetainerEntry.ticket_id == ticket_id, RetainerEntry.kind == RetainerKind.USAGE)
        .order_by(RetainerEntry.at, RetainerEntry.id)
    )
    return list(session.scalars(stmt))


def prepaid_agreement(session: Session, client_id: int, day: date) -> Agreement | None:
    """The client's pre-paid hours agreement in force on `day` (the latest started)."""
    stmt = (
        select(Agreement)
        .where(
            Agreement.client_id == client_id,
            Agreement.kind == AgreementKind.PREPAID_HOURS,
            Agreement.starts_on <= day,
            or_(Agreement.ends_on.is_(None), Agreement.ends_on >= day),
        )
        .order_by(Agreement.starts_on.desc(), Agreement.id.desc())
    )
    return session.scalars(stmt).first()


def multiplier_for(session: Session, client_id: int, day: date) -> Decimal:
    """The emergency multiplier of the pre-paid agreement in force, else the default 1.5."""
    agreement = prepaid_agreement(session, client_id, day)
    return agreement.emergency_multiplier if agreement else DEFAULT_MULTIPLIER


def _lock_client(session: Session, client_id: int) -> None:
    # Two draws for one client at once must not both see the same balance (PostgreSQL
    # row lock; SQLite serialises writers anyway).
    session.execute(select(Client.id).where(Client.id == client_id).with_for_update())


def draw(
    session: Session,
    ticket: Ticket,
    work_hours: Decimal,
    *,
    emergency: bool,
    multiplier: Decimal,
    now: datetime,
    timezone: str | ZoneInfo | None = None,
) -> tuple[Decimal, Decimal]:
    """Draw `work_hours` (x `multiplier` for emergency work) from the client's balance until
    it is empty; return (hours drawn, work hours left to bill). Nothing is drawn unless the
    client chose to apply pre-paid hours to the ticket. `timezone` picks the local day
    whose pre-paid agreement the usage row names."""
    work_hours = hundredths(work_hours)
    if work_hours <= 0 or not ticket.apply_retainer or ticket.client_id is None:
        return ZERO, max(work_hours, ZERO)
    rate = Decimal(multiplier) if emergency else Decimal(1)
    if rate <= 0:
        raise DomainError("the multiplier must be more than 0")
    _lock_client(session, ticket.client_id)
    available = balance(session, ticket.client_id)
    if available <= 0:
        return ZERO, work_hours
    wanted = hundredths(work_hours * rate)
    if wanted <= available:
        drawn, covered = wanted, work_hours
    else:  # the balance runs out mid-entry: the rest is billed at the agreement's rates
        drawn, covered = available, min(hundredths(available / rate), work_hours)
    day = now.astimezone(business_zone(timezone)).date()
    _record_draw(session, ticket, drawn, covered, rate, now, day)
    return drawn, work_hours - covered


def _record_draw(
    session: Session,
    ticket: Ticket,
    drawn: Decimal,
    covered: Decimal,
    rate: Decimal,
    now: datetime,
    day: date,
) -> RetainerEntry:
    agreement = prepaid_agreement(session, ticket.client_id or 0, day)
    entry = RetainerEntry(
        client_id=ticket.client_id,
        agreement_id=agreement.id if agreement else None,
        ticket_id=ticket.id,
        at=now,
        kind=RetainerKind.USAGE,
        hours=-drawn,
        work_hours=covered,
        multiplier=rate,
        note=f"Ticket #{ticket.number}",
    )
    session.add(entry)
    session.flush()
    return entry


def purchase(
    session: Session,
    client_id: int,
    hours: Decimal,
    agreement_id: int | None,
    note: str,
    now: datetime,
) -> RetainerEntry:
    """Record hours bought (more than 0, to the hundredth) under the client's agreement."""
    hours = Decimal(hours)
    if not hours.is_finite() or hours <= 0 or hours != hundredths(hours):
        raise DomainError("purchased hours must be more than 0, to the hundredth of an hour")
    if agreement_id is not None:
        agreement = session.get(Agreement, agreement_id)
        if agreement is None or agreement.client_id != client_id:
            raise DomainError(f"the client has no agreement with id {agreement_id}")
    entry = RetainerEntry(
        client_id=client_id,
        agreement_id=agreement_id,
        at=now,
        kind=RetainerKind.PURCHASE,
        hours=hundredths(hours),
        note=note[:300],
    )
    session.add(entry)
    session.flush()
    return entry


def choose(session: Session, ticket: Ticket, *, apply: bool, by: str, now: datetime) -> None:
    """The client applies pre-paid hours to `ticket` (only with a balance above 0) or takes
    that back (only while nothing has been drawn for it); the timeline says who."""
    if ticket.client_id is None or apply == ticket.apply_retainer:
        return  # already so (a double submit): nothing to change or to tell
    if apply and balance(session, ticket.client_id) <= 0:
        raise DomainError("there are no pre-paid hours left to apply")
    if not apply and usage_for_ticket(session, ticket.id):
        raise DomainError("pre-paid hours were already drawn for this ticket: ask us to undo it")
    ticket.apply_retainer = apply
    text = "chose to apply pre-paid hours" if apply else "chose not to apply pre-paid hours"
    add_event(session, ticket.id, EventKind.RETAINER, f"{by} {text}", at=now, actor=by)
    session.flush()
