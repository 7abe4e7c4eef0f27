"""`intake oncall ...`: who is paged, rotations, overrides and each technician's calendar."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import click
from sqlalchemy.orm import Session

from intake.cli import context
from intake.cli.common import db_session, explained, parse_date, parse_local_moment
from ivr.phones import national
from ticketing.directory import technician_by_name
from ticketing.errors import NotFound
from ticketing.oncall.models import OnCallOverride, OnCallRole, Rotation
from ticketing.oncall.roster import (
    ROLES,
    add_override,
    on_call,
    overrides,
    remove_override,
    remove_rotation,
    rotations,
    set_on_call,
    set_rotation,
    unset_on_call,
)
from ticketing.oncall.shifts import Shift, shifts
from ticketing.wallclock import local_instant, local_label


@click.group("oncall", help="Who is paged for emergencies: rotations and overrides.")
def oncall() -> None:
    """The `oncall` command group."""


@oncall.command("set")
@click.argument("name")
@click.option(
    "--role", type=click.Choice(ROLES), default=OnCallRole.PRIMARY.value, show_default=True
)
def oncall_set(name: str, role: str) -> None:
    """Put NAME on call from now until someone else is set (over any rotation)."""
    with db_session() as session, explained():
        tech = set_on_call(session, name, now=context.now(), role=role)
        click.echo(f"{tech.name} is now {role} on call")


@oncall.command("unset")
@click.option(
    "--role", type=click.Choice(ROLES), default=OnCallRole.PRIMARY.value, show_default=True
)
def oncall_unset(role: str) -> None:
    """End what `oncall set` did for the role: the rotation (or overrides) decide again."""
    with db_session() as session, explained():
        now = context.now()
        was = unset_on_call(session, now=now, role=role)
        current = [
            shift
            for shift in shifts(session, now, now + timedelta(microseconds=1), role=role)
            if shift.start <= now < shift.end
        ]
        after = f"nobody is {role} on call now"
        if current:
            after = f"{current[-1].label} has {current[-1].technician.name} now"
        click.echo(f"{was.name} is no longer {role} on call; {after}")


def _shift_line(shift: Shift, tz: ZoneInfo) -> str:
    until = "until changed" if shift.standing else local_label(shift.end, tz)
    span = f"{local_label(shift.start, tz)} -> {until}"
    return f"  {span:40} {shift.technician.name:20} {shift.label}"


def _print_shifts(session: Session, role: str, now: datetime, end: datetime) -> None:
    tz = context.zone()
    click.echo(f"\n{role} shifts until {local_label(end, tz)} ({tz.key}):")
    cursor = now
    for shift in shifts(session, now, end, role=role):
        if shift.start > cursor:
            click.echo(
                f"  {local_label(cursor, tz) + ' -> ' + local_label(shift.start, tz):40} nobody"
            )
        click.echo(_shift_line(shift, tz))
        cursor = max(cursor, shift.end)
    if cursor < end:
        click.echo(f"  {local_label(cursor, tz) + ' -> ' + local_label(end, tz):40} nobody")


@oncall.command("show")
@click.option(
    "--weeks",
    type=click.IntRange(0, 52),
    default=0,
    show_default=True,
    help="Also list every shift of the next N weeks.",
)
@click.option("--role", type=click.Choice(ROLES), default=None, help="Only this role.")
def oncall_show(weeks: int, role: str | None) -> None:
    """Show who is on call now (and, with --weeks, each shift ahead)."""
    with db_session() as session:
        now, roles = context.now(), (role,) if role else ROLES
        for each in roles:
            tech = on_call(session, now, each)
            who = f"{tech.name} ({national(tech.phone)})" if tech else "nobody"
            click.echo(f"{each}: {who}")
        for each in roles if weeks else ():
            _print_shifts(session, each, now, now + timedelta(weeks=weeks))


@oncall.group("rotation", help="Technicians taking turns, handing off at a local day and time.")
def rotation() -> None:
    """The `oncall rotation` command group."""


def _describe(rot: Rotation) -> str:
    names = ", ".join(member.technician.name for member in rot.members)
    # The weekday means something only when every hand-off falls on it.
    day = f"{rot.starts_on:%a} " if rot.shift_days % 7 == 0 else ""
    every = "every day" if rot.shift_days == 1 else f"every {rot.shift_days} days"
    # A rotation keeps the zone it was set in; say so when that is not today's setting.
    zone = f" {rot.timezone}" if rot.timezone != context.zone().key else ""
    return (
        f'"{rot.name}" ({rot.role}): hand-off {day}{rot.handoff_time:%H:%M}{zone} {every} '
        f"from {rot.starts_on}; {names}"
    )


@rotation.command("set")
@click.argument("name")
@click.option(
    "--role", type=click.Choice(ROLES), default=OnCallRole.PRIMARY.value, show_default=True
)
@click.option("--members", required=True, help='In order: "Dana Whitfield,Luis Romero".')
@click.option("--handoff", required=True, help='Local weekday and time: "Mon 08:00".')
@click.option("--starts", default=None, help="Date of the first hand-off (YYYY-MM-DD).")
@click.option("--days", type=int, default=7, show_default=True, help="Days per shift.")
def rotation_set(
    name: str, role: str, members: str, handoff: str, starts: str | None, days: int
) -> None:
    """Create rotation NAME, or replace the one of that name."""
    first = parse_date(starts) if starts is not None else None
    with db_session() as session, explained():
        today = context.now().astimezone(context.zone()).date()
        rot = set_rotation(
            session,
            name,
            role=role,
            members=members.split(","),
            handoff=handoff,
            starts=first,
            shift_days=days,
            today=today,
            timezone=context.settings().business_timezone,
        )
        click.echo(f"rotation {_describe(rot)}")


@rotation.command("list")
def rotation_list() -> None:
    """List the rotations."""
    with db_session() as session:
        found = rotations(session)
        for rot in found:
            click.echo(_describe(rot))
        if not found:
            click.echo("no rotations (add one with `intake oncall rotation set`)")


@rotation.command("remove")
@click.argument("name")
def rotation_remove(name: str) -> None:
    """Delete rotation NAME."""
    with db_session() as session, explained():
        rot = remove_rotation(session, name)
        click.echo(f'removed rotation "{rot.name}"')


@oncall.group("override", help="Someone covers a shift or a holiday, over the rotation.")
def override() -> None:
    """The `oncall override` command group."""


def _override_line(row: OnCallOverride, tz: ZoneInfo) -> str:
    until = local_label(row.ends_at, tz) if row.ends_at else "until changed"
    span = f"{local_label(row.starts_at, tz)} -> {until}"
    return f"#{row.id:<4} {row.role:9} {row.technician.name:20} {span}"


@override.command("add")
@click.argument("name")
@click.option("--from", "start", required=True, help='Local start: "YYYY-MM-DD HH:MM".')
@click.option("--to", "end", required=True, help='Local end: "YYYY-MM-DD HH:MM".')
@click.option(
    "--role", type=click.Choice(ROLES), default=OnCallRole.PRIMARY.value, show_default=True
)
def override_add(name: str, start: str, end: str, role: str) -> None:
    """Put NAME on call from --from until --to (business local time)."""
    naive_start, naive_end = parse_local_moment(start), parse_local_moment(end)
    with db_session() as session, explained():
        tz = context.zone()
        row = add_override(
            session,
            name,
            role=role,
            now=context.now(),
            start=local_instant(naive_start, tz),
            end=local_instant(naive_end, tz),
        )
        click.echo(f"override {_override_line(row, tz)}")


@override.command("list")
@click.option("--all", "include_past", is_flag=True, help="Include overrides already over.")
def override_list(include_past: bool) -> None:
    """List overrides not yet over."""
    with db_session() as session:
        found = overrides(session, context.now(), include_past=include_past)
        for row in found:
            click.echo(_override_line(row, context.zone()))
        if not found:
            click.echo("no overrides")


@override.command("remove")
@click.argument("override_id", metavar="ID", type=int)
def override_remove(override_id: int) -> None:
    """Delete override ID (see `override list`)."""
    with db_session() as session, explained():
        row = remove_override(session, override_id)
        click.echo(f"removed override #{row.id} ({row.technician.name}, {row.role})")


@oncall.command("feed")
@click.argument("name")
def oncall_feed(name: str) -> None:
    """Print NAME's on-call calendar URL (subscribe to it in any calendar app)."""
    with db_session() as session, explained():
        tech = technician_by_name(session, name)
        if tech is None:
            raise NotFound(f"no technician named {name!r}")
        base = context.settings().public_base_url.rstrip("/")
        click.echo(f"{base}/oncall/{tech.calendar_token}.ics")


def register(main: click.Group) -> None:
    """Add the `oncall` commands to the `intake` group."""
    main.add_command(oncall)
