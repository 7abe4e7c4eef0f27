"""`intake hours ...` and `intake holidays ...`: the business calendar from the terminal."""

from __future__ import annotations

import click

from intake.cli import context
from intake.cli.common import build_app, db_session, explained, parse_date, parse_local_moment
from ivr.calendar import local_moment
from ivr.holiday_policy import parse_month_day
from ticketing.calendar.days import add_closure, business_calendar, mark_open, remove_edit
from ticketing.calendar.rules import (
    add_recurring,
    describe,
    list_rules,
    observe_holiday,
    remove_rule,
    work_holiday,
)

# What the listing says after a day's name, by the rule that put it there.
NOTES = {
    "holiday": "",
    "closure": "",
    "worked": "  (worked: the firm works it every year)",
}


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
    """List YEAR's closed days by the rule that made each one: `holiday` (a library holiday
    observed), `firm` (the firm's recurring day), `closure` (one-off), and `worked` (a
    library holiday the firm works every year)."""
    app = build_app()
    with app.app_context():
        calendar = business_calendar(context.session(), context.settings())
    for closed in calendar.closed_days(year):
        note = NOTES.get(closed.kind, f"  ({closed.rule})")
        if closed.worked:
            note += "  (open: worked as a normal day)"
        when = f"{closed.day.isoformat()} {closed.day:%a}"
        click.echo(f"{when}  {closed.kind:8} {closed.name}{note}")


@click.group(
    "holidays",
    help="One-off closures and holidays worked; the holiday policy that applies every year.",
)
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


@holidays_group.command("observe")
@click.argument("name", nargs=-1, required=True)
def holidays_observe(name: tuple[str, ...]) -> None:
    """Keep the library holiday NAME closed every year (undoes `work`)."""
    with db_session() as session:
        with explained():
            row = observe_holiday(session, " ".join(name), context.settings().holiday_calendar)
        click.echo(f"{row.name} is observed every year: calls that day are emergencies")


@holidays_group.command("work")
@click.argument("name", nargs=-1, required=True)
def holidays_work(name: tuple[str, ...]) -> None:
    """Work the library holiday NAME (and its observed day) as a normal day every year."""
    with db_session() as session:
        with explained():
            row = work_holiday(session, " ".join(name), context.settings().holiday_calendar)
        click.echo(f"{row.name} is worked every year as a normal day")


@holidays_group.command("add-recurring")
@click.argument("name", nargs=-1, required=True)
@click.option("--on", "on", metavar="'MON DD'", help="Every year on this date, e.g. 'Dec 24'.")
@click.option("--after", metavar="HOLIDAY", help="Every year after this library holiday.")
@click.option(
    "--days",
    type=click.IntRange(-30, 30),
    default=1,
    show_default=True,
    help="How many days after HOLIDAY (negative: before).",
)
def holidays_add_recurring(
    name: tuple[str, ...], on: str | None, after: str | None, days: int
) -> None:
    """Close the firm every year on a day of its own: --on 'Dec 24' or --after Thanksgiving."""
    try:
        month_day = parse_month_day(on) if on is not None else None
    except ValueError as refused:
        raise click.BadParameter(str(refused), param_hint="--on") from None
    with db_session() as session:
        with explained():
            row = add_recurring(
                session,
                " ".join(name),
                on=month_day,
                after=after,
                days=days,
                holiday_calendar=context.settings().holiday_calendar,
            )
        click.echo(f"added {describe(row)}")


@holidays_group.command("remove-rule")
@click.argument("name", nargs=-1, required=True)
def holidays_remove_rule(name: tuple[str, ...]) -> None:
    """Drop the holiday rule NAME: a library holiday is observed again, a firm day is gone."""
    with db_session() as session:
        with explained():
            row = remove_rule(session, " ".join(name))
        click.echo(f"removed {describe(row)}")


@holidays_group.command("rules")
def holidays_rules() -> None:
    """List the holiday policy's rules."""
    with db_session() as session:
        rules = [describe(row) for row in list_rules(session)]
    click.echo("\n".join(rules) if rules else "no holiday rules: every library holiday is observed")


def register(main: click.Group) -> None:
    """Add the calendar commands to the `intake` group."""
    main.add_command(hours)
    main.add_command(holidays_group)
