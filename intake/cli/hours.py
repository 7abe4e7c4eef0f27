"""`intake hours ...` and `intake holidays ...`: the business calendar from the terminal."""

from __future__ import annotations

import click

from intake.cli import context
from intake.cli.common import build_app, db_session, explained, parse_date, parse_local_moment
from ivr.calendar import local_moment
from ticketing.calendar.days import add_closure, business_calendar, mark_open, remove_edit


@click.group("hours", help="Ask the business calendar how a moment is classified.")
def hours() -> None:
    """The `hours` command group."""


@hours.command("check")
@click.argument("moment")
def hours_check(moment: str) -> None:
    """Print the class of a local moment ("YYYY-MM-DD HH:MM") and the reason."""
    naive = parse_local_moment(moment)
    app = build_app()
    with app.app_context():
        calendar = business_calendar(context.session(), context.settings())
    result = calendar.classify(local_moment(calendar, naive))
    click.echo(f"{result.service_class} {result.reason}")


@hours.command("holidays")
@click.argument("year", type=click.IntRange(1900, 2200))
def hours_holidays(year: int) -> None:
    """List the closed days of YEAR: public holidays (observed included) and closures."""
    app = build_app()
    with app.app_context():
        calendar = business_calendar(context.session(), context.settings())
    for closed in calendar.closed_days(year):
        note = "  (open: worked as a normal day)" if closed.worked else ""
        kind = "closure" if closed.kind == "closure" else "holiday"
        click.echo(f"{closed.day.isoformat()} {closed.day:%a}  {kind:8} {closed.name}{note}")


@click.group("holidays", help="Add closures, work on a holiday, or undo either.")
def holidays_group() -> None:
    """The `holidays` command group."""


@holidays_group.command("add")
@click.argument("day")
@click.argument("name", nargs=-1, required=True)
def holidays_add(day: str, name: tuple[str, ...]) -> None:
    """Close the company on DAY (YYYY-MM-DD): calls that day are emergencies."""
    when = parse_date(day)
    with db_session() as session, explained():
        add_closure(session, when, " ".join(name))
    click.echo(f"{when} is now a closure: {' '.join(name)}")


@holidays_group.command("open")
@click.argument("day")
def holidays_open(day: str) -> None:
    """Work on the public holiday DAY as on a normal day."""
    when = parse_date(day)
    with db_session() as session:
        with explained():
            row = mark_open(session, when, context.settings())
        click.echo(f"{when} ({row.name}) is now a working day")


@holidays_group.command("remove")
@click.argument("day")
def holidays_remove(day: str) -> None:
    """Undo the closure or open-day edit on DAY."""
    when = parse_date(day)
    with db_session() as session:
        with explained():
            row = remove_edit(session, when)
        click.echo(f"removed {row.kind} on {when} ({row.name})")


def register(main: click.Group) -> None:
    """Add the calendar commands to the `intake` group."""
    main.add_command(hours)
    main.add_command(holidays_group)
