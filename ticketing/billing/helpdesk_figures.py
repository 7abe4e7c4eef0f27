"""The executive report's help-desk figures for a client, per month: calls queued, median
and worst wait, calls abandoned in the queue and sessions capped at 30 minutes.

A call counts in the month (business time zone) it joined the queue. The wait is the one
Twilio reported when the caller left the queue (answered or not); callers still waiting
have none yet. Abandoned means the caller hung up while waiting. Drill calls are left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from statistics import median

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing.billing.months import MonthBuckets, first_of_month
from ticketing.calls.models import QueueEntry, QueueOutcome
from ticketing.models import Ticket


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


@dataclass(frozen=True)
class HelpDeskFigures:
    """Help-desk calls of one period and how long their callers waited."""

    calls: int = 0
    abandoned: int = 0
    capped: int = 0
    median_wait_seconds: float | None = None
    worst_wait_seconds: int | None = None

    @property
    def median_wait_minutes(self) -> float | None:
        """The median wait in minutes, to a tenth."""
        return _minutes(self.median_wait_seconds)

    @property
    def worst_wait_minutes(self) -> float | None:
        """The longest wait in minutes, to a tenth."""
        return _minutes(self.worst_wait_seconds)


@dataclass(frozen=True)
class HelpDeskMonth:
    """One month's help-desk figures."""

    month: date
    figures: HelpDeskFigures


@dataclass(frozen=True)
class HelpDeskReport:
    """A client's help-desk figures month by month, and over the whole range."""

    months: list[HelpDeskMonth]
    total: HelpDeskFigures


@dataclass
class _Tally:
    calls: int = 0
    abandoned: int = 0
    capped: int = 0

    def __post_init__(self) -> None:
        self.waits: list[int] = []

    def add(self, wait: int | None, outcome: str | None, capped: bool) -> None:
        self.calls += 1
        self.abandoned += outcome == QueueOutcome.HUNG_UP
        self.capped += bool(capped)
        if wait is not None:
            self.waits.append(wait)

    def figures(self) -> HelpDeskFigures:
        waits = self.waits
        return HelpDeskFigures(
            self.calls,
            self.abandoned,
            self.capped,
            median(waits) if waits else None,
            max(waits) if waits else None,
        )


def help_desk_figures(
    session: Session,
    client_id: int,
    start_month: date,
    end_month: date,
    *,
    timezone: str = "America/New_York",
) -> HelpDeskReport:
    """The client's help-desk calls from `start_month` to `end_month` (both included)."""
    b = MonthBuckets(first_of_month(start_month), first_of_month(end_month), timezone)
    stmt = (
        select(
            b.by_moment(QueueEntry.queued_at),
            QueueEntry.wait_seconds,
            QueueEntry.outcome,
            QueueEntry.capped,
        )
        .join(Ticket, Ticket.id == QueueEntry.ticket_id)
        .where(
            Ticket.client_id == client_id,
            Ticket.drill.is_(False),
            b.in_range(QueueEntry.queued_at),
        )
    )
    tallies = [_Tally() for _ in b.months]
    total = _Tally()
    for index, wait, outcome, capped in session.execute(stmt):
        if index is None:
            continue
        # Waiting callers have no wait yet, but they are calls of the month all the same.
        for tally in (tallies[int(index)], total):
            tally.add(wait if outcome is not None else None, outcome, capped)
    months = [HelpDeskMonth(m, t.figures()) for m, t in zip(b.months, tallies, strict=True)]
    return HelpDeskReport(months, total.figures())
