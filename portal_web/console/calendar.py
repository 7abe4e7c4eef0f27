"""Console: the business calendar (hours, zone, the closed days of the next 12 months),
staff edits (closures, holidays worked), the holiday policy's yearly rules and "what
happens if someone calls at ...".

The decision itself is ivr.calendar's, on the calendar ticketing.calendar.days builds;
this page only shows it. What the caller would hear is taken from ivr.flow's own TwiML.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from flask import render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from ivr.calendar import HELP_DESK, BusinessCalendar, Classification, ClosedDay
from ivr.flow import CallView, after_identification
from ivr.holiday_policy import parse_month_day
from portal_web import access, context
from portal_web.changes import apply_change
from portal_web.console.blueprint import console
from portal_web.console.oncall import parse_local
from portal_web.display import local_day
from ticketing.calendar.days import add_closure, business_calendar, mark_open, remove_edit
from ticketing.calendar.models import CalendarDay
from ticketing.calendar.rules import (
    add_recurring,
    describe,
    library_holiday_names,
    list_rules,
    observe_holiday,
    remove_rule,
    work_holiday,
)
from ticketing.errors import DomainError

DAYS_AHEAD = 365


@dataclass(frozen=True)
class WhatIf:
    """The answer to "what happens if someone calls at ...": the class, why, what they hear."""

    asked: str
    result: Classification
    heard: list[str]

    @property
    def summary(self) -> str:
        """E.g. "emergency — holiday: Christmas Eve" or "help desk — business hours"."""
        return f"{self.result.service_class.replace('_', ' ')} — {self.result.reason}"


def upcoming_closed_days(calendar: BusinessCalendar, first: date) -> list[ClosedDay]:
    """Holidays (observed days included) and closures from `first` for DAYS_AHEAD days."""
    last = first + timedelta(days=DAYS_AHEAD)
    found: list[ClosedDay] = []
    for year in range(first.year, last.year + 1):
        found.extend(day for day in calendar.closed_days(year) if first <= day.day < last)
    return found


def heard_at(result: Classification) -> list[str]:
    """The sentences an unknown caller hears first at that moment (greeting or menu)."""
    settings = context.settings()
    view = CallView(
        firm_name=settings.firm_name,
        service_class=result.service_class,
        in_business_hours=result.service_class == HELP_DESK,
        emergency_definition=settings.emergency_definition,
    )
    root = ET.fromstring(str(after_identification(view)))
    return [(say.text or "").strip() for say in root.iter("Say") if (say.text or "").strip()]


def what_if(calendar: BusinessCalendar, asked: str | None) -> WhatIf | None:
    """Classify the typed local moment; None when nothing was asked."""
    if not asked:
        return None
    result = calendar.classify(parse_local(asked, "Call at"))
    return WhatIf(asked, result, heard_at(result))


def _page(error: str | None = None, form: dict[str, str] | None = None) -> ResponseReturnValue:
    session = context.db()
    settings = context.settings()
    calendar = business_calendar(session, settings)
    answer = None
    try:
        answer = what_if(calendar, request.args.get("at"))
    except DomainError as refused:
        error = error or str(refused)
    html = render_template(
        "console/calendar.html",
        settings=settings,
        closed=upcoming_closed_days(calendar, context.today()),
        edits=list(session.scalars(select(CalendarDay).order_by(CalendarDay.day))),
        rules=[(row.name, describe(row)) for row in list_rules(session)],
        library_names=library_holiday_names(settings.holiday_calendar),
        answer=answer,
        asked=request.args.get("at", ""),
        error=error,
        form=form or {},
    )
    return html, 400 if error else 200


@console.get("/calendar", endpoint="calendar")
@access.staff_required
def calendar_page() -> ResponseReturnValue:
    """GET /console/calendar[?at=YYYY-MM-DDTHH:MM]: hours, closed days, the what-if check."""
    return _page()


def _day(text: str | None) -> date:
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        raise DomainError("enter a date, e.g. 2026-12-31") from None


def _apply(change: Callable[[], str]) -> ResponseReturnValue:
    """Run one edit; commit and go back on success, else roll back and show why."""
    return apply_change(
        change,
        redirect_to=url_for("console.calendar"),
        render_on_error=lambda refused: _page(error=str(refused), form=request.form.to_dict()),
    )


@console.post("/calendar/closures")
@access.staff_required
def calendar_add_closure() -> ResponseReturnValue:
    """POST /console/calendar/closures: date + name; every call that day is an emergency."""

    def change() -> str:
        row = add_closure(context.db(), _day(request.form.get("day")), request.form.get("name", ""))
        return f"Closed on {local_day(row.day)}: {row.name}."

    return _apply(change)


@console.post("/calendar/open")
@access.staff_required
def calendar_mark_open() -> ResponseReturnValue:
    """POST /console/calendar/open: work a public holiday as a normal day."""

    def change() -> str:
        row = mark_open(context.db(), _day(request.form.get("day")), context.settings())
        return f"{local_day(row.day)} ({row.name}) is now a working day."

    return _apply(change)


@console.post("/calendar/edits/remove")
@access.staff_required
def calendar_remove_edit() -> ResponseReturnValue:
    """POST /console/calendar/edits/remove: undo a closure or a holiday worked."""

    def change() -> str:
        row = remove_edit(context.db(), _day(request.form.get("day")))
        return f"Edit of {local_day(row.day)} ({row.name}) removed."

    return _apply(change)


def _month_day(text: str | None) -> tuple[int, int] | None:
    if not (text or "").strip():
        return None
    try:
        return parse_month_day(text or "")
    except ValueError as refused:
        raise DomainError(str(refused)) from None


def _days(text: str | None) -> int:
    try:
        return int((text or "1").strip() or "1")
    except ValueError:
        raise DomainError("days after the holiday: a whole number, e.g. 1") from None


@console.post("/calendar/rules/library")
@access.staff_required
def calendar_library_rule() -> ResponseReturnValue:
    """POST /console/calendar/rules/library: work or observe a library holiday every year."""

    def change() -> str:
        holiday_calendar = context.settings().holiday_calendar
        name = request.form.get("name", "")
        if request.form.get("choice") == "work":
            row = work_holiday(context.db(), name, holiday_calendar)
            return f"{row.name} is worked every year."
        row = observe_holiday(context.db(), name, holiday_calendar)
        return f"{row.name} is observed every year."

    return _apply(change)


@console.post("/calendar/rules/recurring")
@access.staff_required
def calendar_add_recurring() -> ResponseReturnValue:
    """POST /console/calendar/rules/recurring: a closed day of the firm's own, every year."""

    def change() -> str:
        row = add_recurring(
            context.db(),
            request.form.get("name", ""),
            on=_month_day(request.form.get("on")),
            after=request.form.get("after") or None,
            days=_days(request.form.get("days")),
            holiday_calendar=context.settings().holiday_calendar,
        )
        return f"Added {describe(row)}."

    return _apply(change)


@console.post("/calendar/rules/remove")
@access.staff_required
def calendar_remove_rule() -> ResponseReturnValue:
    """POST /console/calendar/rules/remove: drop a holiday rule by name."""

    def change() -> str:
        row = remove_rule(context.db(), request.form.get("name", ""))
        return f"Removed {describe(row)}."

    return _apply(change)
