"""Months of the business calendar: arithmetic on first days of months, and the SQL that
puts a UTC timestamp (or an invoice) in its local month.

The bounds of each local month are computed here with zoneinfo and compared in SQL, so
the same statement works on SQLite (which has no time-zone database) and PostgreSQL,
and a ticket at 2026-12-01 03:00 UTC lands in November in New York.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, literal_column, or_

from ticketing.billing.models import Invoice


def first_of_month(day: date) -> date:
    """The first day of `day`'s month."""
    return day.replace(day=1)


def add_months(month: date, count: int) -> date:
    """The first day of the month `count` months after `month`'s (negative: before)."""
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def months_in(start: date, end: date) -> list[date]:
    """First days of every month from `start`'s to `end`'s, both included."""
    count = (end.year - start.year) * 12 + end.month - start.month + 1
    return [add_months(first_of_month(start), i) for i in range(max(count, 0))]


class MonthBuckets:
    """The months of a range with their UTC bounds, as SQL CASE expressions."""

    def __init__(self, start: date, end: date, timezone: str) -> None:
        zone = ZoneInfo(timezone)
        self.months = months_in(start, end)
        edges = [*self.months, add_months(self.months[-1], 1)]
        self.bounds = [datetime(d.year, d.month, 1, tzinfo=zone).astimezone(UTC) for d in edges]

    @property
    def keys(self) -> list[str]:
        """The months as YYYY-MM."""
        return [f"{m:%Y-%m}" for m in self.months]

    def by_moment(self, column: Any) -> ColumnElement[Any]:
        """The month index of a UTC timestamp column (NULL outside the range)."""
        whens = [
            (and_(column >= lo, column < hi), literal_column(str(i)))
            for i, (lo, hi) in enumerate(pairwise(self.bounds))
        ]
        return case(*whens, else_=None)

    def by_invoice(self) -> ColumnElement[Any]:
        """The month index of an invoice: its billing period, else the month it was issued."""
        whens = [
            (
                or_(
                    Invoice.period == key,
                    and_(
                        Invoice.period.is_(None),
                        Invoice.issued_on >= month,
                        Invoice.issued_on < add_months(month, 1),
                    ),
                ),
                literal_column(str(i)),
            )
            for i, (key, month) in enumerate(zip(self.keys, self.months, strict=True))
        ]
        return case(*whens, else_=None)

    def in_range(self, column: Any) -> ColumnElement[bool]:
        """The timestamp falls within the range (lets the index on `column` help)."""
        return and_(column >= self.bounds[0], column < self.bounds[-1])
