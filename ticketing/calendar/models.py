"""The business calendar's table: staff closures and holidays worked."""

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
