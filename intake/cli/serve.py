"""`intake serve` (web + scheduler, optionally the demo) and `intake scheduler` (alone)."""

from __future__ import annotations

import os
import shutil
import socket
import sys
from pathlib import Path

import click
from dotenv import load_dotenv
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from werkzeug.serving import BaseWSGIServer, make_server, select_address_family

from intake.app import create_app
from intake.cli.common import ensure_schema
from intake.config import ConfigError, Settings, load_settings
from intake.db import upgrade
from intake.heap import freeze_start_up
from intake.logs import configure_logging
from intake.runtime import scheduler_for
from sandbox.demo.seed import (
    DEMO_CALLER,
    DEMO_LOGINS,
    DEMO_PASSWORD,
    DEMO_TOTP_SECRET,
    seed_demo,
)
from scheduler.runner import favour_waiting_threads


def _settings(demo: bool) -> Settings:
    try:
        return load_settings(demo=demo)
    except ConfigError as exc:
        raise click.ClickException(f"configuration: {exc}") from exc


def _demo_database_check(settings: Settings) -> None:
    """Refuse a demo on any database but its own SQLite file in the instance folder."""
    own = settings.instance_path / "intake.db"
    try:
        url = make_url(settings.database_url)
    except ArgumentError:
        url = None
    is_sqlite = url is not None and url.get_backend_name() == "sqlite" and url.database
    if is_sqlite and Path(url.database).resolve() == own.resolve():
        return
    # The demo seeds logins with a published password: they must never reach real data.
    raise click.ClickException(
        f"`serve --demo` runs only on its own SQLite file, {own}; unset DATABASE_URL"
        " (or run without --demo to use the configured database)"
    )


def intake_command() -> str:
    """How to run `intake` from another terminal: the bare name when the shell finds this
    very script, else its full path (a virtualenv that is not activated)."""
    script = Path(sys.argv[0])
    if script.name != "intake" or not script.exists():
        script = Path(sys.executable).parent / "intake"
    if not script.exists():
        return "intake"
    found = shutil.which("intake")
    if found and Path(found).resolve() == script.resolve():
        return "intake"
    return str(script.absolute())


def _bind(app: object, host: str, port: int) -> BaseWSGIServer:
    """The HTTP server, listening already: a busy port stops `serve` before anything
    says it is running."""
    family = select_address_family(host, port)
    try:
        # Bound here rather than by werkzeug, which prints its own words and exits.
        listening = socket.create_server((host, port), family=family)
    except OSError as exc:
        raise click.ClickException(
            f"cannot listen on {host}:{port} ({exc.strerror or exc}); is another"
            " `intake serve` running? Stop it, or choose another --port"
        ) from exc
    with listening:
        return make_server(host, port, app, threaded=True, fd=listening.fileno())


def _banner(settings: Settings, host: str, port: int) -> None:
    base = settings.public_base_url.rstrip("/")
    intake = intake_command()
    lines = [
        f"{settings.firm_name} Emergency Intake: demo running on {base}",
        f"  database:         {settings.database_url}",
        f"  Twilio sandbox:   {base}/sandbox/  (SMS pages and calls the service sent)",
        f"  support line:     POST {base}/twilio/voice",
        f"  place a call:     {intake} call --from {DEMO_CALLER}          (another terminal)",
        f'  on Christmas Eve: {intake} call --at "2026-12-24 21:30"',
        f"  client portal:    {base}/login   (demo logins, password {DEMO_PASSWORD}):",
        *(f"    {email:<34}{about}" for email, *_rest, about in DEMO_LOGINS),
        f"  staff code:       two-step login, TOTP secret {DEMO_TOTP_SECRET}; the code now:",
        f"    python -c \"import pyotp; print(pyotp.TOTP('{DEMO_TOTP_SECRET}').now())\"",
        "  Ctrl-C stops it.",
    ]
    click.echo("\n".join(lines), err=True)


@click.command("serve")
@click.option("--demo", is_flag=True, help="SQLite, the local Twilio sandbox and demo data.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
def serve(demo: bool, host: str, port: int) -> None:
    """Run the web app and the scheduler in one process."""
    load_dotenv(override=False)
    if not os.environ.get("PUBLIC_BASE_URL"):
        shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
        os.environ["PUBLIC_BASE_URL"] = f"http://{shown}:{port}"
    settings = _settings(demo)
    configure_logging(settings.log_format)
    if demo:
        _demo_database_check(settings)
        upgrade(settings.database_url)
    # Like a gunicorn worker, it replays the spool (its scheduler's sweep does too).
    app = create_app(settings, spool_watch=True)
    database = app.extensions["db"]
    ensure_schema(database)
    if demo:
        with database.transaction() as session:
            seed_demo(session, app.extensions["clock"]())
    server = _bind(app, host, port)
    scheduler = scheduler_for(settings, database, app.extensions["clock"], background=True)
    freeze_start_up()
    scheduler.start()
    if demo:
        _banner(settings, host, port)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        scheduler.shutdown(wait=False)


@click.command("scheduler")
def scheduler_command() -> None:
    """Run the scheduler alone (the Procfile's `scheduler` process)."""
    settings = _settings(demo=False)
    configure_logging(settings.log_format)
    app = create_app(settings)
    database = app.extensions["db"]
    ensure_schema(database)
    click.echo(
        "scheduler running: outbox relay (polling, woken on PostgreSQL), and the sweeps", err=True
    )
    favour_waiting_threads()
    scheduler = scheduler_for(settings, database, app.extensions["clock"], background=False)
    freeze_start_up()
    scheduler.start()


def register(main: click.Group) -> None:
    """Add `serve` and `scheduler` to the `intake` group."""
    main.add_command(serve)
    main.add_command(scheduler_command)
