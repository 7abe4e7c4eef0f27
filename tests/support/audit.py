"""The audit trail as tests read it: entries, oldest first, and a staff actor to act as."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing.audit.models import AuditEntry, AuditSource
from ticketing.audit.trail import Actor

STAFF_ACTOR = Actor("Sam Okafor <sam@accelerando.example>", AuditSource.CONSOLE, user_id=None)


def trail(session: Session, kind: str | None = None) -> list[AuditEntry]:
    """Every entry (of subjects of `kind`), oldest first."""
    stmt = select(AuditEntry).order_by(AuditEntry.id)
    if kind is not None:
        stmt = stmt.where(AuditEntry.subject_type == kind)
    return list(session.scalars(stmt))
