"""The business calendar's tables: staff closures and holidays worked, the holiday policy."""

from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import (
    Date,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from ticketing.orm import Base, StrEnumColumn


class CalendarDayKind(enum.StrEnum):
    """What a staff edit does to a day."""

    CLOSURE = "closure"  # closed: every call is an emergency
    OPEN = "open"  # a public holiday worked as a normal day


class CalendarDay(Base):
    """A staff edit of the business calendar: a closure, or a holiday worked as usual."""

    __tablename__ = "calendar_days"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    kind: Mapped[CalendarDayKind] = mapped_column(StrEnumColumn(CalendarDayKind, 10))
    name: Mapped[str] = mapped_column(String(120))


class HolidayRuleKind(enum.StrEnum):
    """What a rule of the firm's holiday policy does every year."""

    OBSERVE = "observe"  # a library holiday kept as a closed day (the default, made explicit)
    WORK = "work"  # a library holiday worked as a normal day
    RECURRING = "recurring"  # a day of the firm's own: a date, or days after a library holiday


class HolidayRule(Base):
    """A rule of the firm's holiday policy, applied to every year."""

    __tablename__ = "holiday_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[HolidayRuleKind] = mapped_column(StrEnumColumn(HolidayRuleKind, 10))
    month: Mapped[int | None]
    day: Mapped[int | None]
    after: Mapped[str | None] = mapped_column(String(120))
    days: Mapped[int | None]


class CalendarStamp(Base):
    """A token that changes with every edit of the two tables above (one row): a process
    keeps the calendar it built for as long as the token stays the same."""

    __tablename__ = "calendar_stamp"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    stamp: Mapped[str] = mapped_column(String(32))
