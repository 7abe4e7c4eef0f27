"""The audit trail's table: one row per object a person (or the command line) changed.

The subject is kept as plain columns (type, id, label), not a foreign key: an entry
outlives the row it describes, whatever becomes of it later.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ticketing.orm import Base, StrEnumColumn


class AuditSource(enum.StrEnum):
    """Where a change was made."""

    CONSOLE = "console"  # the firm's staff, in the web console
    PORTAL = "portal"  # a client's person, in the portal
    CLI = "cli"  # the `intake` command line


class AuditAction(enum.StrEnum):
    """What happened to the subject."""

    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"


class AuditEntry(Base):
    """One change of one object: who, when, where from, and its changed fields before and
    after (secrets masked)."""

    __tablename__ = "audit_entries"
    __table_args__ = (
        # An object's history (the console's "History" lists).
        Index("ix_audit_entries_subject", "subject_type", "subject_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    # "Name <email>" of a logged-in person, or "cli:<os user>".
    actor: Mapped[str] = mapped_column(String(200), index=True)
    # The person's account when there is one; no foreign key, the entry outlives it.
    actor_user_id: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[AuditSource] = mapped_column(StrEnumColumn(AuditSource, 12))
    action: Mapped[AuditAction] = mapped_column(StrEnumColumn(AuditAction, 12))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int] = mapped_column(Integer)
    subject_label: Mapped[str] = mapped_column(String(200), default="")
    # The changed fields only: {"status": "open"} → {"status": "acknowledged"}.
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
