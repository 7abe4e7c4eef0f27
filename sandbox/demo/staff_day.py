"""A day of the firm's staff at work in the demo (the last weekday before today): an
override, a ticket assigned and noted, a contact added, a closure planned, a contact added
from the command line, and a client applying pre-paid hours. Each is made by the same
domain calls as the console, the command line and the portal, with the same actor set on
the session, so the audit trail shows that day as it would show a real one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing.accounts.models import User
from ticketing.audit.capture import act_as, stop_acting
from ticketing.audit.models import AuditSource
from ticketing.audit.trail import Actor
from ticketing.billing import retainer
from ticketing.calendar.days import add_closure
from ticketing.directory import add_contact
from ticketing.event_kinds import EventKind
from ticketing.models import ServiceClass, Technician, Ticket
from ticketing.oncall.roster import add_override
from ticketing.timeline import add_event

# The demo's command-line user.
CLI_USER = "ops"


def last_weekday(today: date) -> date:
    """The weekday before `today` (a Monday's is the Friday before)."""
    day = today - timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def _person(user: User, source: AuditSource) -> Actor:
    return Actor.person(user.name, user.email, user.id, source)


def _latest(
    session: Session, client_id: int, service_class: ServiceClass, before: datetime
) -> Ticket | None:
    stmt = (
        select(Ticket)
        .where(
            Ticket.client_id == client_id,
            Ticket.service_class == service_class,
            Ticket.opened_at < before,
        )
        .order_by(Ticket.opened_at.desc())
        .limit(1)
    )
    return session.scalars(stmt).first()


def _next_saturday(now: datetime, zone: ZoneInfo) -> datetime:
    today = now.astimezone(zone).date()
    return datetime.combine(today + timedelta(days=(5 - today.weekday()) % 7 or 7), time(8), zone)


def staff_day(session: Session, now: datetime, zone: ZoneInfo, staff: User, admin: User) -> None:
    """Play the day, `staff` at the console and `admin` (a client's administrator) in the
    portal; the trail dates each change at its moment of that day."""
    day = last_weekday(now.astimezone(zone).date())

    def at(hh_mm: str) -> Callable[[], datetime]:
        moment = datetime.combine(day, time.fromisoformat(hh_mm), zone)
        return lambda: moment

    console = _person(staff, AuditSource.CONSOLE)
    dana = session.scalars(select(Technician).where(Technician.name == "Dana Whitfield")).one()

    act_as(session, console, at("08:20"))
    saturday = _next_saturday(now, zone)
    add_override(
        session, "Luis Romero", start=saturday, end=saturday + timedelta(days=1), role="primary",
        now=now,
    )  # fmt: skip
    emergency = _latest(session, admin.client_id or 0, ServiceClass.EMERGENCY, at("09:05")())
    if emergency is not None:
        act_as(session, console, at("09:05"))
        emergency.assigned_to = dana
        add_event(
            session, emergency.id, EventKind.ASSIGNED, "Assigned to Dana Whitfield.",
            at=at("09:05")(), actor=staff.name,
        )  # fmt: skip
        act_as(session, console, at("09:07"))
        note = "Called the client back: the machine is running again; watching it until closing."
        add_event(session, emergency.id, EventKind.NOTE, note, at=at("09:07")(), actor=staff.name)
    act_as(session, console, at("10:30"))
    add_contact(session, "1002", "Tom Reyes", "+13365550178", email="tom@piedmont.example")
    act_as(session, console, at("11:45"))
    add_closure(session, day + timedelta(days=45), "Staff training (phones on the emergency line)")
    act_as(session, Actor.command_line(CLI_USER), at("14:10"))
    add_contact(session, "1003", "Ray Ortiz", "+13365550189")
    kind = ServiceClass.PROFESSIONAL_SERVICE
    request = _latest(session, admin.client_id or 0, kind, at("15:30")())
    if request is not None:
        act_as(session, _person(admin, AuditSource.PORTAL), at("15:30"))
        retainer.choose(session, request, apply=True, by=admin.name, now=at("15:30")())
    stop_acting(session)
