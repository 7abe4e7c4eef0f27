"""Reading the trail: entries newest first, filtered and a page at a time, and one
object's history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from ticketing.audit.models import AuditEntry

PAGE_SIZE = 50
HISTORY_SIZE = 20


@dataclass(frozen=True)
class AuditFilter:
    """What the person asked the trail for (every field optional)."""

    actor: str = ""
    kind: str | None = None
    subject: str = ""
    action: str | None = None
    source: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    page: int = 1


@dataclass(frozen=True)
class AuditPage:
    """One page of entries."""

    entries: list[AuditEntry]
    total: int
    page: int
    pages: int


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _subject(text: str) -> ColumnElement[bool]:
    """An id (with or without "#") or words of the label."""
    found = [AuditEntry.subject_label.ilike(_like(text), escape="\\")]
    number = text.lstrip("#").strip()
    if number.isdecimal() and len(number) <= 9:
        found.append(AuditEntry.subject_id == int(number))
    return or_(*found)


def conditions(wanted: AuditFilter) -> list[ColumnElement[bool]]:
    """The WHERE clauses of a filter (text in bound parameters, wildcards taken literally)."""
    found: list[ColumnElement[bool]] = []
    if wanted.actor:
        found.append(AuditEntry.actor.ilike(_like(wanted.actor), escape="\\"))
    if wanted.kind:
        found.append(AuditEntry.subject_type == wanted.kind)
    if wanted.subject:
        found.append(_subject(wanted.subject))
    if wanted.action:
        found.append(AuditEntry.action == wanted.action)
    if wanted.source:
        found.append(AuditEntry.source == wanted.source)
    if wanted.since is not None:
        found.append(AuditEntry.at >= wanted.since)
    if wanted.until is not None:
        found.append(AuditEntry.at < wanted.until)
    return found


def find_entries(session: Session, wanted: AuditFilter) -> AuditPage:
    """The page of entries matching `wanted`, newest first."""
    where = conditions(wanted)
    total = session.scalar(select(func.count(AuditEntry.id)).where(*where)) or 0
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(max(wanted.page, 1), pages)
    stmt = (
        select(AuditEntry)
        .where(*where)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    return AuditPage(list(session.scalars(stmt)), total, page, pages)


def history_of(
    session: Session, kind: str, subject_id: int, limit: int = HISTORY_SIZE
) -> list[AuditEntry]:
    """The newest entries about one object (kept after the object itself is gone)."""
    stmt = (
        select(AuditEntry)
        .where(AuditEntry.subject_type == kind, AuditEntry.subject_id == subject_id)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))
