"""`intake webhooks add|list|remove`: other tools that receive signed ticket events."""

from __future__ import annotations

import click

from intake.cli import context
from intake.cli.common import db_session, explained
from ticketing.integrations.endpoints import active_endpoints, add_endpoint, remove_endpoint
from ticketing.integrations.events import EVENT_TYPES


@click.group("webhooks", help="Endpoints that receive signed (Standard Webhooks) ticket events.")
def webhooks() -> None:
    """The `webhooks` command group."""


@webhooks.command("add")
@click.argument("url")
def webhooks_add(url: str) -> None:
    """Send ticket events to URL; prints its signing secret, shown this once only."""
    with db_session() as session, explained():
        endpoint = add_endpoint(session, url, now=context.now())
        click.echo(f"webhook {endpoint.id}: {endpoint.url}")
        click.echo(f"events: {', '.join(sorted(set(EVENT_TYPES.values())))}")
        click.echo(f"signing secret (shown once, keep it): {endpoint.secret}")


@webhooks.command("list")
def webhooks_list() -> None:
    """One line per endpoint in use: its id, address and when it was added."""
    with db_session() as session:
        endpoints = active_endpoints(session)
        if not endpoints:
            click.echo("no webhook endpoints")
        for endpoint in endpoints:
            click.echo(
                f"{endpoint.id}  {endpoint.url}  added {endpoint.created_at:%Y-%m-%d %H:%M} UTC"
            )


@webhooks.command("remove")
@click.argument("endpoint_id", type=int)
def webhooks_remove(endpoint_id: int) -> None:
    """Stop sending events to the endpoint with this id."""
    with db_session() as session, explained():
        endpoint = remove_endpoint(session, endpoint_id, now=context.now())
        click.echo(f"webhook {endpoint.id} removed: {endpoint.url}")


def register(main: click.Group) -> None:
    """Add the `webhooks` commands to the `intake` group."""
    main.add_command(webhooks)
