"""`intake tickets ...`: look at tickets and their timelines; reclassify a false emergency."""

from __future__ import annotations

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.cli import context
from intake.cli.common import db_session, explained
from ivr.phones import national
from ticketing.directory import technician_by_name
from ticketing.errors import DomainError, NotFound
from ticketing.models import ServiceClass, Ticket, TicketStatus
from ticketing.paging.actions import Action, perform

CLASSES = tuple(c.value for c in ServiceClass)


def _ticket(session: Session, number: int) -> Ticket:
    ticket = session.get(Ticket, number)
    if ticket is None:
        raise NotFound(f"there is no ticket #{number}")
    return ticket


@click.group("tickets", help="Tickets opened by calls, texts and requests.")
def tickets() -> None:
    """The `tickets` command group."""


@tickets.command("list")
@click.option("--open", "only_open", is_flag=True, help="Only tickets not yet resolved.")
@click.option("--class", "service_class", type=click.Choice(CLASSES), default=None)
@click.option("--limit", type=click.IntRange(1, 1000), default=30, show_default=True)
def tickets_list(only_open: bool, service_class: str | None, limit: int) -> None:
    """The newest tickets, one line each."""
    with db_session() as session:
        stmt = select(Ticket).order_by(Ticket.id.desc()).limit(limit)
        if only_open:
            stmt = stmt.where(Ticket.status != TicketStatus.RESOLVED)
        if service_class:
            stmt = stmt.where(Ticket.service_class == service_class)
        zone = context.zone()
        for ticket in session.scalars(stmt):
            client = ticket.client.name if ticket.client else "unknown caller"
            opened = ticket.opened_at.astimezone(zone)
            click.echo(
                f"#{ticket.number}  {opened:%a %m/%d %H:%M}  {ticket.service_class:20} "
                f"{ticket.status:12} {client}"
            )


@tickets.command("show")
@click.argument("number", type=int)
def tickets_show(number: int) -> None:
    """A ticket and its timeline."""
    with db_session() as session, explained():
        ticket = _ticket(session, number)
        zone = context.zone()
        client = ticket.client.name if ticket.client else "unknown caller"
        callback = national(ticket.callback_number) if ticket.callback_number else "none"
        click.echo(f"#{ticket.number} {ticket.service_class} ({ticket.classification_reason})")
        click.echo(f"client: {client}   status: {ticket.status}   callback: {callback}")
        if ticket.description:
            click.echo(f"problem: {ticket.description}")
        for event in ticket.events:
            click.echo(f"  {event.at.astimezone(zone):%m/%d %H:%M:%S}  {event.message}")


@tickets.command("reclassify")
@click.argument("number", type=int)
@click.option("--technician", required=True, help="Who found it is not an emergency.")
@click.option("--reason", default="", help="Why (told to the client).")
def tickets_reclassify(number: int, technician: str, reason: str) -> None:
    """Not an emergency: move it to the help desk, stop paging, tell the client."""
    with db_session() as session, explained():
        ticket = _ticket(session, number)
        tech = technician_by_name(session, technician)
        if tech is None:
            raise NotFound(f"no technician named {technician!r}")
        now = context.now()
        if not perform(
            session, Action.NOT_EMERGENCY, ticket, tech, now=now, via="command line", reason=reason
        ):
            raise DomainError(
                f"ticket #{number} is not an open emergency ({ticket.service_class}, "
                f"{ticket.status})"
            )
        click.echo(f"#{number} moved to the help desk; the client's representative is told")


def register(main: click.Group) -> None:
    """Add the `tickets` commands to the `intake` group."""
    main.add_command(tickets)
