"""Models of business-hours service: the help-desk queue and scheduled service requests."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Integer, Numeric, String
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


class ServiceRequest(Base):
    """What a client asked for, in their words and terms (help desk or professional
    service): preferred technician, time windows, a limit on hours; and the schedule staff
    confirmed."""

    __tablename__ = "service_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), unique=True)
    preferred_technician_id: Mapped[int | None] = mapped_column(ForeignKey("technicians.id"))
    hour_limit: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    scheduled_technician_id: Mapped[int | None] = mapped_column(ForeignKey("technicians.id"))
    scheduled_start: Mapped[datetime | None]
    confirmed_at: Mapped[datetime | None]
    requested_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    ticket = relationship("Ticket")
    preferred_technician = relationship("Technician", foreign_keys=[preferred_technician_id])
    scheduled_technician = relationship("Technician", foreign_keys=[scheduled_technician_id])
    windows: Mapped[list[RequestWindow]] = relationship(
        back_populates="request", order_by="RequestWindow.starts_at", cascade="all, delete-orphan"
    )


class RequestWindow(Base):
    """A preferred date/time window for a requested service."""

    __tablename__ = "request_windows"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("service_requests.id"), index=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]

    request: Mapped[ServiceRequest] = relationship(back_populates="windows")
