"""`intake db ...`: apply and inspect migrations."""

from __future__ import annotations

import click

from intake.config import ConfigError, load_settings
from intake.db import (
    current_revision,
    downgrade,
    head_revision,
    make_engine,
    new_revision,
    upgrade,
)


def _url() -> str:
    try:
        return load_settings().database_url
    except ConfigError as exc:
        raise click.ClickException(f"configuration: {exc}") from exc


@click.group("db", help="Database migrations.")
def db() -> None:
    """The `db` command group."""


@db.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    upgrade(_url(), revision)
    click.echo(f"database at revision {current_revision(make_engine(_url()))}")


@db.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Revert migrations down to REVISION ("base" empties the schema)."""
    downgrade(_url(), revision)
    click.echo(f"database at revision {current_revision(make_engine(_url()))}")


@db.command("status")
def db_status() -> None:
    """Show the database's revision and the newest one available."""
    current = current_revision(make_engine(_url()))
    head = head_revision()
    click.echo(f"database: {current or 'empty'}; newest migration: {head}")
    if current != head:
        raise click.ClickException("the database is not up to date: run `intake db upgrade`")


@db.command("revision")
@click.option(
    "-m", "--message", required=True, help="What changed, e.g. 'technician availability'."
)
def db_revision(message: str) -> None:
    """Write the next migration from what the models add or change (review it before use)."""
    try:
        path = new_revision(message)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"wrote {path}")
    click.echo(
        "Review it (autogenerate misses renames and data changes), then `intake db upgrade`."
    )


def register(main: click.Group) -> None:
    """Add the `db` commands to the `intake` group."""
    main.add_command(db)
