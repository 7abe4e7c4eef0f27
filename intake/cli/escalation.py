"""`intake escalation show|set`: who is paged, how, and when, until someone acknowledges."""

from __future__ import annotations

import click

from intake.cli import context
from intake.cli.common import db_session, explained
from ticketing.paging.policies import (
    DEFAULT_STEPS,
    default_policy,
    describe_step,
    format_duration,
    parse_duration,
    set_policy,
)


@click.group("escalation", help="The escalation policy for emergencies.")
def escalation() -> None:
    """The `escalation` command group."""


@escalation.command("show")
def escalation_show() -> None:
    """Print the policy, one step per line, as `set` reads it."""
    with db_session() as session:
        policy = default_policy(session)
        for step in policy.steps:
            click.echo(describe_step(step))
        pause = format_duration(policy.repeat_delay_seconds)
        click.echo(f"repeat: {policy.repeat} round(s), {pause} after the last step")


@escalation.command("set")
@click.argument("steps", nargs=-1, required=True)
@click.option("--repeat", type=int, default=None, help="Rounds of the whole policy (1-10).")
@click.option("--pause", default=None, help="Wait after the last step before a new round: 5m.")
def escalation_set(steps: tuple[str, ...], repeat: int | None, pause: str | None) -> None:
    """Replace the steps: each "DELAY WHO CHANNEL", e.g. "0s primary sms" "5m primary call"
    "10m secondary sms+call" "15m manager sms+call" (WHO: primary, secondary, manager or a
    technician's name; CHANNEL: sms, call or sms+call; DELAY: 90s, 5m, 1h)."""
    with db_session() as session, explained():
        current = default_policy(session)
        policy = set_policy(
            session,
            list(steps),
            repeat=repeat if repeat is not None else current.repeat,
            repeat_delay_seconds=parse_duration(pause) if pause else None,
            now=context.now(),
        )
        for step in policy.steps:
            click.echo(describe_step(step))
        click.echo(f"repeat: {policy.repeat} round(s)")


@escalation.command("reset")
def escalation_reset() -> None:
    """Go back to the default policy."""
    with db_session() as session, explained():
        set_policy(
            session,
            list(DEFAULT_STEPS),
            repeat=2,
            repeat_delay_seconds=300,
            now=context.now(),
        )
        click.echo("escalation policy reset to the default")


def register(main: click.Group) -> None:
    """Add the `escalation` commands to the `intake` group."""
    main.add_command(escalation)
