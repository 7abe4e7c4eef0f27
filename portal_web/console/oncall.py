"""Console: who is on call now and for the next four weeks, overrides, the escalation
policy, and each technician's opt-out state and iCalendar link.

Times are typed and shown on the business wall clock; the domain (ticketing.oncall.roster,
ticketing.paging.policies) checks everything and a refusal rolls the whole request back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from portal_web import access, context
from portal_web.changes import apply_change
from portal_web.console.blueprint import console
from ticketing.errors import DomainError
from ticketing.models import Technician
from ticketing.oncall import roster as oncall
from ticketing.oncall.shifts import ROLES, Shift, shifts
from ticketing.paging.policies import (
    default_policy,
    describe_step,
    format_duration,
    parse_duration,
    set_policy,
)
from ticketing.wallclock import local_instant

WEEKS_AHEAD = 4


@dataclass(frozen=True)
class Week:
    """The shifts of one calendar week (Monday to Sunday, business zone)."""

    monday: date
    shifts: list[Shift]


def parse_local(text: str | None, what: str) -> datetime:
    """A datetime-local field ("2026-12-24T21:30") as a UTC-aware moment; DomainError if not."""
    try:
        naive = datetime.fromisoformat((text or "").strip())
    except ValueError:
        raise DomainError(f"{what}: enter a date and time, e.g. 2026-12-24 21:30") from None
    if naive.tzinfo is not None:
        raise DomainError(f"{what}: enter a local time without a zone")
    # A time skipped by DST means the moment the clocks jumped (as everywhere else).
    return local_instant(naive, context.business_tz())


def weeks_ahead(found: list[Shift], first_day: date) -> list[Week]:
    """Shifts grouped by the week (business zone) they start in; earlier ones go first."""
    tz = context.business_tz()
    monday = first_day - timedelta(days=first_day.weekday())
    weeks = [Week(monday + timedelta(weeks=i), []) for i in range(WEEKS_AHEAD + 1)]
    for shift in found:
        day = max(shift.start.astimezone(tz).date(), first_day)
        index = min((day - monday).days // 7, len(weeks) - 1)
        weeks[index].shifts.append(shift)
    return [week for week in weeks if week.shifts]


def feed_url(tech: Technician) -> str:
    """The technician's iCalendar feed (served by portal_web.calendar_feed)."""
    base = context.settings().public_base_url.rstrip("/")
    return f"{base}/oncall/{tech.calendar_token}.ics"


def _technicians() -> list[Technician]:
    stmt = select(Technician).where(Technician.active.is_(True)).order_by(Technician.name)
    return list(context.db().scalars(stmt))


def _page(error: str | None = None, form: dict[str, str] | None = None) -> ResponseReturnValue:
    session, moment = context.db(), context.now()
    today = moment.astimezone(context.business_tz()).date()
    start = local_instant(datetime.combine(today, datetime.min.time()), context.business_tz())
    found = shifts(session, start, start + timedelta(weeks=WEEKS_AHEAD))
    # Created with the defaults on first sight; a GET never commits it (rolled back).
    policy = default_policy(session)
    html = render_template(
        "console/oncall.html",
        now_on_call={role: oncall.on_call(session, moment, role) for role in ROLES},
        weeks=weeks_ahead(found, today),
        rotations=oncall.rotations(session),
        overrides=oncall.overrides(session, moment),
        policy=policy,
        steps=[describe_step(step) for step in policy.steps],
        pause=format_duration(policy.repeat_delay_seconds),
        technicians=_technicians(),
        feed_url=feed_url,
        roles=ROLES,
        error=error,
        form=form or {},
    )
    return html, 400 if error else 200


@console.get("/oncall", endpoint="oncall")
@access.staff_required
def oncall_page() -> ResponseReturnValue:
    """GET /console/oncall: on call now, the next four weeks, overrides, policy, people."""
    return _page()


def _apply(change: Callable[[], str]) -> ResponseReturnValue:
    """Run one change; commit and go back on success, else roll back and show why."""
    return apply_change(
        change,
        redirect_to=url_for("console.oncall"),
        render_on_error=lambda refused: _page(error=str(refused), form=request.form.to_dict()),
    )


@console.post("/oncall/overrides")
@access.staff_required
def oncall_add_override() -> ResponseReturnValue:
    """POST /console/oncall/overrides: technician, role, from, to (local times)."""

    def change() -> str:
        form = request.form
        override = oncall.add_override(
            context.db(),
            form.get("technician", ""),
            start=parse_local(form.get("start"), "From"),
            end=parse_local(form.get("end"), "To"),
            role=form.get("role", ""),
            now=context.now(),
        )
        return f"Override #{override.id} added: {override.technician.name} ({override.role})."

    return _apply(change)


@console.post("/oncall/overrides/<int:override_id>/delete")
@access.staff_required
def oncall_delete_override(override_id: int) -> ResponseReturnValue:
    """POST /console/oncall/overrides/<id>/delete: whoever it covered for is back on."""

    def change() -> str:
        removed = oncall.remove_override(context.db(), override_id)
        return f"Override #{override_id} ({removed.technician.name}) removed."

    return _apply(change)


def _repeat(text: str | None) -> int:
    try:
        return int((text or "").strip())
    except ValueError:
        raise DomainError("repeat: enter a whole number of rounds (1 to 10)") from None


@console.post("/oncall/policy")
@access.staff_required
def oncall_policy() -> ResponseReturnValue:
    """POST /console/oncall/policy: one step per line, repeat rounds and the pause."""

    def change() -> str:
        form = request.form
        lines = [line.strip() for line in form.get("steps", "").splitlines() if line.strip()]
        set_policy(
            context.db(),
            lines,
            repeat=_repeat(form.get("repeat")),
            repeat_delay_seconds=parse_duration(form.get("pause", "") or "0s"),
            now=context.now(),
        )
        return "Escalation policy saved."

    return _apply(change)
