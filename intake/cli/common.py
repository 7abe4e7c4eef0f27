"""What every sub-command shares: the app context, parsing of user input, clear errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime

import click
from flask import Flask
from sqlalchemy.orm import Session

from intake.app import create_app
from intake.cli import context
from intake.config import ConfigError, load_settings
from intake.db import Database, current_revision, head_revision, upgrade
from ticketing.errors import DomainError


def build_app(*, demo: bool = False) -> Flask:
    """The app for a CLI command on an up-to-date database, errors reported plainly."""
    try:
        app = create_app(load_settings(demo=demo))
    except ConfigError as exc:
        raise click.ClickException(f"configuration: {exc}") from exc
    ensure_schema(app.extensions["db"])
    return app


def ensure_schema(database: Database) -> None:
    """Migrate the embedded SQLite file on first use; ask for `intake db upgrade` otherwise."""
    head = head_revision()
    if current_revision(database.engine) == head:
        return
    if database.engine.dialect.name == "sqlite":
        upgrade(database.url)
        return
    raise click.ClickException(
        "the database schema is not up to date: run `intake db upgrade` first"
    )


@contextmanager
def db_session() -> Iterator[Session]:
    """A session that commits when the command succeeds and rolls back when it fails."""
    app = build_app()
    with app.app_context():
        database = app.extensions["db"]
        with database.transaction() as session:
            context.act_as_command_line(session)
            yield session


def parse_date(text: str) -> date:
    """A YYYY-MM-DD date or a clear error."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not a date; use YYYY-MM-DD, e.g. 2026-12-24"
        ) from None


def parse_local_moment(text: str) -> datetime:
    """A naive "YYYY-MM-DD HH:MM" moment (local to the business) or a clear error."""
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d %H:%M")
    except ValueError:
        raise click.BadParameter(
            f'{text!r} is not a moment; use "YYYY-MM-DD HH:MM", e.g. "2026-12-24 21:30"'
        ) from None


@contextmanager
def explained() -> Iterator[None]:
    """Turn a domain refusal into a one-line CLI error with a non-zero exit."""
    try:
        yield
    except DomainError as exc:
        raise click.ClickException(str(exc)) from exc
