"""`intake helpdesk ...`: who waits in the help-desk queue, and a technician takes the next."""

from __future__ import annotations

import click

from intake.cli import context
from intake.cli.common import db_session, explained
from ticketing.calendar.days import business_calendar
from ticketing.calls import helpdesk
from ticketing.calls.models import QueueOutcome
from ticketing.calls.next_caller import take_next
from ticketing.models import Ticket


def _minutes(seconds: float) -> str:
    minutes = int(seconds // 60)
    return f"{minutes} min" if minutes else "under 1 min"


@click.group("helpdesk", help="The business-hours help-desk queue (first come, first served).")
def helpdesk_group() -> None:
    """The `helpdesk` command group."""


@helpdesk_group.command("next")
@click.option("--technician", "name", required=True, metavar="NAME", help="Who takes the call.")
def helpdesk_next(name: str) -> None:
    """Ring a technician's phone for the next caller: bridged, or called back after key 1."""
    with db_session() as session, explained():
        taken = take_next(session, name, now=context.now())
        said = f"{taken.technician.name} to {taken.task} ({taken.waiting} waiting)"
        click.echo(f"already calling {said}" if taken.row is None else f"calling {said}")


@helpdesk_group.command("queue")
def helpdesk_queue() -> None:
    """List the callers waiting, first come first, and how today's calls ended."""
    with db_session() as session:
        now = context.now()
        calendar = business_calendar(session, context.settings())
        entries = helpdesk.waiting(session)
        if not entries:
            click.echo("nobody is waiting")
        for position, entry in enumerate(entries, start=1):
            ticket: Ticket = entry.ticket
            client = ticket.client.name if ticket.client else "unknown caller"
            since = calendar.to_local(entry.queued_at)
            waited = _minutes((now - entry.queued_at).total_seconds())
            click.echo(
                f"{position:>2}. #{ticket.number}  {client:28} since {since:%H:%M}  "
                f"waiting {waited}"
            )
        counts = helpdesk.today_counts(session, calendar, now)
        left = sum(
            counts[outcome]
            for outcome in (QueueOutcome.MESSAGE, QueueOutcome.CLOSED, QueueOutcome.ERROR)
        )
        click.echo(
            f"today: {counts[QueueOutcome.ANSWERED]} answered, {left} left a message, "
            f"{counts[QueueOutcome.HUNG_UP]} hung up"
        )


def register(main: click.Group) -> None:
    """Add `intake helpdesk` to the command line."""
    main.add_command(helpdesk_group)
