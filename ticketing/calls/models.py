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
    CALLBACK_MISSED = "callback_missed"  # kept their place, did not answer the call back


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
    # The caller hung up to be called back here, keeping their place in line.
    callback_number: Mapped[str | None] = mapped_column(String(20))
    # When a technician's session with the caller ended (the session's length is from left_at).
    session_ended_at: Mapped[datetime | None]

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


class OfferState(enum.StrEnum):
    """How offering a waiting caller to one technician went."""

    RINGING = "ringing"  # the technician's phone is being rung, or they hear the whisper
    ACCEPTED = "accepted"  # they pressed 1: bridged (or calling the caller back)
    PASSED = "passed"  # another key
    UNANSWERED = "unanswered"  # no answer, busy, voicemail, or too long without a key
    CALLER_LEFT = "caller_left"  # the caller hung up or was taken by someone else meanwhile


class Offer(Base):
    """One waiting caller offered to one technician: at most one ringing offer per caller and
    per technician (the `ringing_*` columns are set only while ringing, and unique)."""

    __tablename__ = "helpdesk_offers"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("helpdesk_queue.id"), index=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("technicians.id"), index=True)
    state: Mapped[OfferState] = mapped_column(StrEnumColumn(OfferState, 16))
    ringing_entry_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    ringing_technician_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]

    entry: Mapped[QueueEntry] = relationship()
    technician = relationship("Technician")

    @property
    def ringing(self) -> bool:
        """Whether the technician may still take the caller with this offer."""
        return self.state == OfferState.RINGING

    def end(self, state: OfferState, now: datetime) -> bool:
        """Close a ringing offer as `state` (True when this did it; a closed one stays)."""
        if not self.ringing:
            return False
        self.state, self.ended_at = state, now
        self.ringing_entry_id = self.ringing_technician_id = None
        return True
