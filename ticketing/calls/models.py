"""The help-desk queue's table."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ticketing.orm import Base, utcnow


class QueueEntry(Base):
    """One caller's time in the help-desk queue, from <Enqueue> to how it ended."""

    __tablename__ = "helpdesk_queue"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64), unique=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    queued_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    left_at: Mapped[datetime | None]
    # answered | message | hung_up | closed | error; None while waiting
    outcome: Mapped[str | None] = mapped_column(String(16), index=True)
    wait_seconds: Mapped[int | None] = mapped_column(Integer)
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("technicians.id"))
    # The session was capped at 30 minutes because the queue was busy at bridge time.
    capped: Mapped[bool] = mapped_column(Boolean, default=False)

    ticket = relationship("Ticket")
    technician = relationship("Technician")
