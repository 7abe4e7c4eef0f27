"""Who is on call: standing assignments made with `intake oncall set` (rotations come later)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ticketing.directory import technician_by_name
from ticketing.errors import NotFound
from ticketing.models import OnCallOverride, Technician

ROLES = ("primary", "secondary")


def set_on_call(session: Session, name: str, *, now: datetime, role: str = "primary") -> Technician:
    """Put a technician on call from now on, ending whoever held the role until now."""
    if role not in ROLES:
        raise NotFound(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    tech = technician_by_name(session, name)
    if tech is None:
        raise NotFound(f"no technician named {name!r} (add one with `intake technicians add`)")
    standing = session.scalars(
        select(OnCallOverride).where(
            OnCallOverride.role == role,
            OnCallOverride.ends_at.is_(None),
            OnCallOverride.starts_at <= now,
        )
    )
    for override in standing:
        override.ends_at = now
    session.add(OnCallOverride(technician_id=tech.id, role=role, starts_at=now, ends_at=None))
    session.flush()
    return tech


def on_call(session: Session, at: datetime, role: str = "primary") -> Technician | None:
    """The technician holding `role` at moment `at` (the latest assignment covering it)."""
    stmt = (
        select(Technician)
        .join(OnCallOverride, OnCallOverride.technician_id == Technician.id)
        .where(
            OnCallOverride.role == role,
            OnCallOverride.starts_at <= at,
            or_(OnCallOverride.ends_at.is_(None), OnCallOverride.ends_at > at),
            Technician.active.is_(True),
        )
        .order_by(OnCallOverride.starts_at.desc(), OnCallOverride.id.desc())
        .limit(1)
    )
    return session.scalar(stmt)
