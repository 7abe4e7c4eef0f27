"""Console: the audit trail (who changed what, when, from what to what), newest first,
filtered by actor, object, action, where from and dates; and the short "History" of one
object that its own page shows. Staff only: clients never see the trail."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask import render_template, request
from flask.typing import ResponseReturnValue

from portal_web import access, context
from portal_web.console.blueprint import console
from ticketing.audit.models import AuditAction, AuditEntry, AuditSource
from ticketing.audit.reading import AuditFilter, find_entries, history_of
from ticketing.audit.subjects import KINDS
from ticketing.wallclock import local_instant

MAX_TEXT = 100
MAX_PAGE_DIGITS = 6
ACTIONS = tuple(action.value for action in AuditAction)
SOURCES = tuple(source.value for source in AuditSource)


@dataclass(frozen=True)
class FieldChange:
    """One changed field as the page shows it."""

    name: str
    before: list[str]
    after: list[str]


def shown(value: Any) -> list[str]:
    """A stored value as lines of text ("—" for none; a list of parts one per line)."""
    if value is None or value == []:
        return ["—"]
    if isinstance(value, list):
        return [str(item) for item in value]
    if isinstance(value, bool):
        return ["yes" if value else "no"]
    return [str(value)]


def field_changes(entry: AuditEntry) -> list[FieldChange]:
    """The entry's fields, each before and after (a creation has only after)."""
    before, after = entry.before or {}, entry.after or {}
    names = list(dict.fromkeys([*before, *after]))
    return [
        FieldChange(name.replace("_", " "), shown(before.get(name)), shown(after.get(name)))
        for name in names
    ]


def _day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat((raw or "").strip())
    except ValueError:
        return None


def _start_of(day: date | None) -> datetime | None:
    """Local midnight of `day` in the business zone, as a UTC moment."""
    if day is None:
        return None
    return local_instant(datetime.combine(day, datetime.min.time()), context.business_tz())


def parse_audit_filter(args: Mapping[str, str]) -> AuditFilter:
    """A filter from the query string; unknown choices mean "any", bad dates are ignored."""
    raw_page = (args.get("page") or "1").strip()
    page = int(raw_page) if raw_page.isdecimal() and len(raw_page) <= MAX_PAGE_DIGITS else 1
    kind, action, source = args.get("type"), args.get("action"), args.get("source")
    last = _day(args.get("to"))
    return AuditFilter(
        actor=" ".join((args.get("actor") or "").split())[:MAX_TEXT],
        kind=kind if kind in KINDS else None,
        subject=" ".join((args.get("subject") or "").split())[:MAX_TEXT],
        action=action if action in ACTIONS else None,
        source=source if source in SOURCES else None,
        since=_start_of(_day(args.get("from"))),
        # Through the whole last day asked for.
        until=_start_of(last + timedelta(days=1)) if last else None,
        page=max(page, 1),
    )


def query_args(args: Mapping[str, str], page: int) -> dict[str, str | int]:
    """The query string of this list at another page."""
    kept = {k: args[k] for k in ("actor", "type", "subject", "action", "source", "from", "to")}
    return {**{k: v for k, v in kept.items() if v}, "page": page}


@console.get("/audit", endpoint="audit")
@access.staff_required
def audit_page() -> ResponseReturnValue:
    """GET /console/audit: the trail, newest first, 50 a page, with filters."""
    wanted = parse_audit_filter(request.args)
    asked = {k: request.args.get(k, "") for k in ("actor", "type", "subject", "action", "source")}
    asked |= {"from": request.args.get("from", ""), "to": request.args.get("to", "")}
    return render_template(
        "console/audit.html",
        found=find_entries(context.db(), wanted),
        asked=asked,
        page_args=lambda page: query_args(asked, page),
        kinds=KINDS,
        actions=ACTIONS,
        sources=SOURCES,
        field_changes=field_changes,
    )


@console.app_template_global("audit_history")
def audit_history(kind: str, subject_id: int) -> list[AuditEntry]:
    """Jinja: the newest entries about one object (its page's "History")."""
    return history_of(context.db(), kind, subject_id)


@console.app_template_global("audit_fields")
def audit_fields(entry: AuditEntry) -> list[FieldChange]:
    """Jinja: an entry's changed fields."""
    return field_changes(entry)
