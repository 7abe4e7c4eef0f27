"""The help-desk queue's table."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ticketing.orm import Base, StrEnumColumn, utcnow


class QueueOutcome(enum.StrEnum):
    """How a caller's time in the help-desk queue ended."""

    ANSWERED = "answered"
    MESSAGE = "message"  # pressed a key to leave a message instead
    HUNG_UP = "hung_up"
    CLOSED = "closed"  # still waiting at closing time
    ERROR = "error"  # Twilio's queue failed


class QueueEntry(Base):
    """One caller's time in the help-desk queue, from <Enqueue> to how it ended."""

    __tablename__ = "helpdesk_queue"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64), unique=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    queued_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    left_at: Mapped[datetime | None]
    # None while waiting.
    outcome: Mapped[QueueOutcome | None] = mapped_column(
        StrEnumColumn(QueueOutcome, 16), index=True
    )
    wait_seconds: Mapped[int | None] = mapped_column(Integer)
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("technicians.id"))
    # The session was capped at 30 minutes because the queue was busy at bridge time.
    capped: Mapped[bool] = mapped_column(Boolean, default=False)

    ticket = relationship("Ticket")
    technician = relationship("Technician")

    def leave(self, outcome: QueueOutcome, now: datetime, wait_seconds: int | None) -> bool:
        """Record how the caller left, unless that is already known (True when this did it);
        without Twilio's QueueTime the wait runs from joining to `now`."""
        if self.outcome is not None:
            return False
        self.outcome, self.left_at = outcome, now
        if wait_seconds is not None:
            self.wait_seconds = wait_seconds
        elif self.wait_seconds is None:
            self.wait_seconds = max(0, round((now - self.queued_at).total_seconds()))
        return True
