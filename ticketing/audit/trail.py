"""Writing the trail: who acts (a person or the command line) and one entry per changed
object. Entries are normally written by ticketing.audit.capture from what a session
flushed; `record` is also there for a change no table shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from ticketing.audit.models import AuditAction, AuditEntry, AuditSource

MAX_ACTOR = 200
MAX_LABEL = 200


@dataclass(frozen=True)
class Actor:
    """Who makes the changes: a logged-in person, or the command line's OS user."""

    name: str
    source: AuditSource
    user_id: int | None = None

    @classmethod
    def person(cls, name: str, email: str, user_id: int, source: AuditSource) -> Actor:
        """A logged-in person, named as "Name <email>"."""
        shown = f"{name} <{email}>" if name and name != email else email
        return cls(shown[:MAX_ACTOR], source, user_id)

    @classmethod
    def command_line(cls, os_user: str) -> Actor:
        """The `intake` command run by `os_user`: "cli:<os user>"."""
        return cls(f"cli:{os_user or 'unknown'}"[:MAX_ACTOR], AuditSource.CLI)


@dataclass(frozen=True)
class Subject:
    """What an entry is about: its type, id and a label a person recognises."""

    kind: str
    id: int
    label: str


def record(
    session: Session,
    actor: Actor,
    action: AuditAction,
    subject: Subject,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    at: datetime,
) -> AuditEntry:
    """Add one entry to the trail (written with the caller's transaction)."""
    entry = AuditEntry(
        at=at,
        actor=actor.name,
        actor_user_id=actor.user_id,
        source=actor.source,
        action=action,
        subject_type=subject.kind,
        subject_id=subject.id,
        subject_label=subject.label[:MAX_LABEL],
        before=before or None,
        after=after or None,
    )
    session.add(entry)
    return entry
