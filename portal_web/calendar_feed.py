"""Each technician's on-call shifts as an iCalendar feed a calendar app can subscribe to.

The URL's token is the only credential (calendar apps send no login), so an unknown
token is a plain 404 that says nothing about which tokens exist.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, Flask, Response, abort
from icalendar import Calendar, Event
from sqlalchemy import select

from portal_web import context
from ticketing.models import Technician
from ticketing.oncall.shifts import Shift, shifts

bp = Blueprint("calendar_feed", __name__)

PAST = timedelta(weeks=2)
AHEAD = timedelta(weeks=12)
UID_DOMAIN = "emergency-intake"


def shift_uid(shift: Shift) -> str:
    """A UID that stays the same across fetches while the shift does."""
    return f"{shift.role}-{shift.key}-{shift.start:%Y%m%dT%H%M%SZ}@{UID_DOMAIN}"


def _event(shift: Shift, firm_name: str, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", shift_uid(shift))
    event.add("dtstamp", stamp)
    event.add("dtstart", shift.start)
    event.add("dtend", shift.end)
    event.add("summary", f"On call ({shift.role}) — {firm_name}")
    note = " (standing: until changed)" if shift.standing else ""
    event.add("description", f"From {shift.label}{note}.")
    event.add("transp", "TRANSPARENT")
    return event


def technician_calendar(
    tech: Technician, found: list[Shift], *, firm_name: str, timezone: str, now: datetime
) -> Calendar:
    """The calendar of `tech`'s shifts among `found`, times in UTC."""
    calendar = Calendar()
    calendar.add("prodid", f"-//{firm_name}//Emergency Intake on-call//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"{firm_name} on call — {tech.name}")
    calendar.add("x-wr-timezone", timezone)
    for shift in found:
        if shift.technician.id == tech.id:
            calendar.add_component(_event(shift, firm_name, now))
    return calendar


@bp.get("/oncall/<token>.ics")
def feed(token: str) -> Response:
    """GET /oncall/<token>.ics: the technician's shifts from 2 weeks ago to 12 weeks ahead."""
    session = context.db()
    settings = context.settings()
    tech = session.scalar(
        select(Technician).where(Technician.calendar_token == token, Technician.active.is_(True))
    )
    if tech is None:
        abort(404)
    now = context.now()
    found = shifts(session, now - PAST, now + AHEAD)
    calendar = technician_calendar(
        tech, found, firm_name=settings.firm_name, timezone=settings.business_timezone, now=now
    )
    response = Response(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    # Private to the token holder; calendar apps poll, so a short cache is enough.
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


def init_app(app: Flask) -> None:
    """Register the calendar feed."""
    app.register_blueprint(bp)
