"""The Flask application factory."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, Map

import portal_web
from intake.clock import SystemClock
from intake.config import Settings, load_settings
from intake.db import Database
from intake.spool_watch import spool_watch_for, watch_spool
from portal_web.security import exempt_signed_blueprints
from sandbox import init_app as init_sandbox
from scheduler.recordings import TwilioRecordings
from ticketing.firm import SESSION_KEY, Firm

PORTAL_FILES = Path(portal_web.__file__).resolve().parent
# The largest value of an INTEGER column (PostgreSQL's and the schema's ids and numbers).
MAX_DATABASE_INT = 2**31 - 1


class DatabaseInt(IntegerConverter):
    """`<int:...>` in every route matches only what an INTEGER column can hold: a larger
    number names no row, so routing answers 404 before any view, login redirect or query
    (PostgreSQL refuses to compare an INTEGER with 2**31; SQLite would compare it)."""

    def __init__(self, map: Map, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("max", MAX_DATABASE_INT)
        super().__init__(map, *args, **kwargs)  # type: ignore[arg-type]


def firm_for(settings: Settings) -> Firm:
    """The firm as its texts and emails name it: name, portal address, lines and hours."""
    return settings.firm


def create_app(
    settings: Settings | None = None,
    *,
    database: Database | None = None,
    clock: Callable[[], datetime] | None = None,
    spool_watch: bool = False,
) -> Flask:
    """Wire config, database, blueprints and (in demo mode only) the sandbox; with
    `spool_watch`, every process serving it replays this host's spool (web processes)."""
    settings = settings or load_settings()
    # Pages, templates and static files belong to portal_web; this package only wires.
    app = Flask(
        __name__,
        instance_path=str(settings.instance_path),
        template_folder=str(PORTAL_FILES / "templates"),
        static_folder=str(PORTAL_FILES / "static"),
    )
    # Before any blueprint adds its rules, so that every `<int:...>` is bounded.
    app.url_map.converters["int"] = DatabaseInt
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SETTINGS=settings,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.public_base_url.startswith("https://"),
        MAX_CONTENT_LENGTH=1024 * 1024,
        REMEMBER_COOKIE_DURATION=timedelta(days=30),
    )
    if settings.trust_proxy_hops:
        # Behind TLS-terminating proxies: the client's address (login throttling) and the
        # scheme come from X-Forwarded-* set by exactly this many trusted hops.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=settings.trust_proxy_hops, x_proto=settings.trust_proxy_hops
        )
    database = database or Database(
        settings.database_url,
        connect_deadline=settings.database_connect_timeout,
        pool_size=settings.database_pool_size,
    )
    database.init_app(app)
    # Every session this app opens (requests, commands, scheduler ticks) knows the firm,
    # so a page worded deep inside an escalation links to the right console.
    database.sessionmaker.configure(info={SESSION_KEY: firm_for(settings)})
    clock = clock or SystemClock()
    app.extensions["clock"] = clock
    # Callers' messages, fetched from Twilio's API (the sandbox in demo mode) as the account.
    app.extensions["recordings"] = TwilioRecordings(
        settings.twilio_account_sid, settings.twilio_auth_token, settings.twilio_api_base_url
    )

    from portal_web import init_app as init_portal
    from webhooks import views as webhook_views

    webhook_views.init_app(app)
    init_portal(app)
    if settings.sandbox:
        init_sandbox(app)
    exempt_signed_blueprints(app)
    if spool_watch:
        watch_spool(app, spool_watch_for(settings, database, clock))
    return app
