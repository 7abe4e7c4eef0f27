"""On-call tables: rotations, their members, and overrides."""

from __future__ import annotations

import enum
from datetime import date, datetime, time

from sqlalchemy import (
    Date,
    ForeignKey,
    Integer,
    String,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ticketing.models import Technician
from ticketing.orm import Base, StrEnumColumn, utcnow


class OnCallRole(enum.StrEnum):
    """The roles someone is on call in."""

    PRIMARY = "primary"
    SECONDARY = "secondary"


class Rotation(Base):
    """Technicians taking turns in a role, handing off at a local day and time."""

    __tablename__ = "rotations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    role: Mapped[OnCallRole] = mapped_column(
        StrEnumColumn(OnCallRole, 20), default=OnCallRole.PRIMARY
    )
    # The first hand-off, on the wall clock of `timezone` (date + time, no zone).
    starts_on: Mapped[date] = mapped_column(Date)
    handoff_time: Mapped[time] = mapped_column(Time)
    shift_days: Mapped[int] = mapped_column(Integer, default=7)
    # The IANA zone whose wall clock the hand-offs follow (fixed when the rotation is set).
    timezone: Mapped[str] = mapped_column(String(64), default="America/New_York")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    members: Mapped[list[RotationMember]] = relationship(
        back_populates="rotation", order_by="RotationMember.position", cascade="all, delete-orphan"
    )


class RotationMember(Base):
    """A technician's place in a rotation."""

    __tablename__ = "rotation_members"
    __table_args__ = (UniqueConstraint("rotation_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rotation_id: Mapped[int] = mapped_column(ForeignKey("rotations.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    technician_id: Mapped[int] = mapped_column(ForeignKey("technicians.id"))

    rotation: Mapped[Rotation] = relationship(back_populates="members")
    technician: Mapped[Technician] = relationship()


class OnCallOverride(Base):
    """Someone on call from `starts_at` until `ends_at` (open-ended when None)."""

    __tablename__ = "oncall_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("technicians.id"), index=True)
    role: Mapped[OnCallRole] = mapped_column(
        StrEnumColumn(OnCallRole, 20), default=OnCallRole.PRIMARY
    )
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    technician: Mapped[Technician] = relationship()
