"""`intake requests add|schedule|list`: help-desk, professional-service and emergency
requests entered by staff (the portal's forms, typed in). Times are business local time."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

import click

from intake.cli import context
from intake.cli.common import db_session, explained, parse_local_moment
from ticketing.directory import client_by_account
from ticketing.errors import NotFound
from ticketing.models import ServiceClass, TicketSource
from ticketing.service_requests.booking import schedule_request, service_requests, submit_request
from ticketing.service_requests.models import ServiceRequest
from ticketing.service_requests.notices import day_and_time, hours_text, window_text
from ticketing.wallclock import local_instant

CLASSES = [c.value for c in ServiceClass]
NaiveWindow = tuple[datetime, datetime]


def parse_window(text: str) -> NaiveWindow:
    """ "YYYY-MM-DD HH:MM/YYYY-MM-DD HH:MM" (or ".../HH:MM" for the same day), naive local."""
    start_text, slash, end_text = text.partition("/")
    if not slash:
        raise click.BadParameter(
            f'{text!r} is not a window; use "YYYY-MM-DD HH:MM/YYYY-MM-DD HH:MM"'
        )
    start = parse_local_moment(start_text)
    if len(end_text.strip()) <= 5:  # just "HH:MM": the window ends the day it starts
        end_text = f"{start:%Y-%m-%d} {end_text.strip()}"
    return start, parse_local_moment(end_text)


def parse_hours(text: str | None) -> Decimal | None:
    """A number of hours as typed ("4", "2.5"), or a clear error."""
    if text is None:
        return None
    try:
        return Decimal(text.strip())
    except InvalidOperation:
        raise click.BadParameter(f"{text!r} is not a number of hours; e.g. 4 or 2.5") from None


def _windows(values: tuple[str, ...]) -> list[NaiveWindow]:
    try:
        return [parse_window(value) for value in values]
    except click.BadParameter as exc:
        exc.param_hint = "'--window'"
        raise


@click.group("requests", help="Help-desk, professional-service and emergency requests.")
def requests_group() -> None:
    """The `requests` command group."""


@requests_group.command("add")
@click.option("--account", required=True, help="The client's account number.")
@click.option("--class", "service_class", type=click.Choice(CLASSES), required=True)
@click.option("--description", required=True, help="What the client needs, in their words.")
@click.option("--technician", default=None, help="Preferred technician (by name).")
@click.option(
    "--window", "windows", multiple=True, help='Preferred time: "YYYY-MM-DD HH:MM/HH:MM"; ≤ 5.'
)
@click.option("--hours", default=None, help="Limit on hours, e.g. 4 or 2.5.")
@click.option("--by", "requested_by", default="staff", show_default=True, help="Who asked.")
def requests_add(
    account: str,
    service_class: str,
    description: str,
    technician: str | None,
    windows: tuple[str, ...],
    hours: str | None,
    requested_by: str,
) -> None:
    """Record a client's request; an emergency pages the on-call technician at once."""
    naive_windows = _windows(windows)
    try:
        hour_limit = parse_hours(hours)
    except click.BadParameter as exc:
        exc.param_hint = "'--hours'"
        raise
    with db_session() as session, explained():
        client = client_by_account(session, account)
        if client is None:
            raise NotFound(f"no client has account number {account}")
        tz = context.zone()
        done = submit_request(
            session,
            client_id=client.id,
            service_class=service_class,
            description=description,
            preferred_technician=technician,
            windows=[(local_instant(s, tz), local_instant(e, tz)) for s, e in naive_windows],
            hour_limit=hour_limit,
            requested_by=requested_by,
            now=context.now(),
            source=TicketSource.CLI,
            timezone=tz,
        )
        click.echo(f"#{done.ticket.number} {service_class} for {client.name}: opened")
        if done.notice:
            click.echo(done.notice)


@requests_group.command("schedule")
@click.argument("ticket", type=int)
@click.option("--technician", required=True, help="Who does the work.")
@click.option("--start", required=True, help='Local start: "YYYY-MM-DD HH:MM".')
def requests_schedule(ticket: int, technician: str, start: str) -> None:
    """Confirm or change a request's schedule; the client's representative is told."""
    naive_start = parse_local_moment(start)
    with db_session() as session, explained():
        tz, now = context.zone(), context.now()
        settings = context.settings()
        request = schedule_request(
            session,
            ticket,
            technician=technician,
            start=local_instant(naive_start, tz),
            now=now,
            timezone=tz,
            firm_name=settings.firm_name,
        )
        assert request.scheduled_technician is not None and request.scheduled_start is not None
        what = f"{request.scheduled_technician.name} on {day_and_time(request.scheduled_start, tz)}"
        if request.confirmed_at == now:
            click.echo(f"#{ticket} scheduled with {what}; the client's representative is told")
        else:
            click.echo(f"#{ticket} was already scheduled with {what}: nobody told again")


def _line(request: ServiceRequest, tz: ZoneInfo) -> str:
    ticket = request.ticket
    client = ticket.client.name if ticket.client else "?"
    if request.scheduled_start is not None and request.scheduled_technician is not None:
        plan = f"scheduled: {request.scheduled_technician.name}, "
        plan += day_and_time(request.scheduled_start, tz)
    else:
        tech = request.preferred_technician.name if request.preferred_technician else "anyone"
        times = "; ".join(window_text(w.starts_at, w.ends_at, tz) for w in request.windows)
        plan = f"unscheduled: prefers {tech}, {times or 'any time'}"
    limit = f", limit {hours_text(request.hour_limit)}" if request.hour_limit else ""
    return (
        f"#{ticket.number:<5} {ticket.service_class:20} {client:24} {plan}{limit} [{ticket.status}]"
    )


@requests_group.command("list")
@click.option("--unscheduled", is_flag=True, help="Only open requests with no schedule yet.")
def requests_list(unscheduled: bool) -> None:
    """List requests, oldest first."""
    with db_session() as session:
        tz = context.zone()
        found = service_requests(session, unscheduled=unscheduled)
        for request in found:
            click.echo(_line(request, tz))
        if not found:
            click.echo("no unscheduled requests" if unscheduled else "no requests")


def register(main: click.Group) -> None:
    """Add the `requests` commands to the `intake` group."""
    main.add_command(requests_group)
