"""The `intake` command line: one group, sub-commands in small modules."""

from __future__ import annotations

import click

from intake.cli import (
    access,
    billing,
    calls,
    database,
    drill,
    escalation,
    helpdesk,
    hours,
    imports,
    oncall,
    people,
    requests,
    serve,
    texts,
    tickets,
    twilio_setup,
    webhooks,
)


@click.group(help="Emergency Intake: the support line, tickets and paging.")
def main() -> None:
    """Entry point of the `intake` console script."""


for module in (
    database,
    hours,
    people,
    oncall,
    serve,
    calls,
    texts,
    tickets,
    helpdesk,
    requests,
    escalation,
    twilio_setup,
    access,
    imports,
    billing,
    webhooks,
    drill,
):
    module.register(main)
