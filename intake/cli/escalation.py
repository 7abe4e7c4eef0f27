"""`intake escalation show|set`: who is paged, how, and when, until someone acknowledges."""

from __future__ import annotations

import click

from intake.cli import context
from intake.cli.common import db_session, explained
from ticketing.paging.models import EscalationPolicy
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


def _echo_policy(policy: EscalationPolicy) -> None:
    """The steps as `set` reads them, the rounds and their pause, and the end of it all."""
    for step in policy.steps:
        click.echo(describe_step(step))
    pause = policy.repeat_delay_seconds
    click.echo(f"repeat: {policy.repeat} round(s), {format_duration(pause)} after the last step")
    # As the engine runs it: each round lasts its last step plus the pause, and the last
    # round's last step gets that pause too before staff are alerted.
    last = policy.steps[-1].delay_seconds if policy.steps else 0
    exhausted = (policy.repeat - 1) * (last + pause) + last + pause
    click.echo(
        f"nobody acknowledges: {format_duration(exhausted)} after the emergency"
        f" ({format_duration(pause)} after the last step), the managers, or every active"
        " technician when there is no manager, get an alert text"
    )


@escalation.command("show")
def escalation_show() -> None:
    """Print the policy, one step per line, as `set` reads it."""
    with db_session() as session:
        _echo_policy(default_policy(session))


# Steps are free text, and a negative delay ("-20s primary call") must reach the duration
# check rather than be read as an option.
@escalation.command("set", context_settings={"ignore_unknown_options": True})
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
        _echo_policy(policy)


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
