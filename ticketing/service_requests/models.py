"""Service request tables: requests and their time windows."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    ForeignKey,
    Numeric,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ticketing.orm import Base, utcnow


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
