"""The `intake` command line: one group, sub-commands in small modules."""

from __future__ import annotations

import click

from intake.cli import (
    calls,
    database,
    escalation,
    hours,
    oncall,
    people,
    serve,
    texts,
    twilio_setup,
)


@click.group(help="Emergency Intake: the support line, tickets and paging.")
def main() -> None:
    """Entry point of the `intake` console script."""


for module in (database, hours, people, oncall, serve, calls, texts, escalation, twilio_setup):
    module.register(main)
