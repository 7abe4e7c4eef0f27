"""The business calendar's table: staff closures and holidays worked."""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    Date,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from ticketing.orm import Base


class CalendarDay(Base):
    """A staff edit of the business calendar: a closure, or a holiday worked as usual."""

    __tablename__ = "calendar_days"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    kind: Mapped[str] = mapped_column(String(10))  # "closure" or "open"
    name: Mapped[str] = mapped_column(String(120))
