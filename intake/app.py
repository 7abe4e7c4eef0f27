"""The Flask application factory."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import Flask

from intake.clock import SystemClock
from intake.config import Settings, load_settings
from intake.db import Database


def create_app(
    settings: Settings | None = None,
    *,
    database: Database | None = None,
    clock: Callable[[], datetime] | None = None,
) -> Flask:
    """Wire config, database, blueprints and (in demo mode) the Twilio sandbox."""
    settings = settings or load_settings()
    app = Flask(__name__, instance_path=str(settings.instance_path))
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SETTINGS=settings,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.public_base_url.startswith("https://"),
        MAX_CONTENT_LENGTH=1024 * 1024,
    )
    (database or Database(settings.database_url)).init_app(app)
    app.extensions["clock"] = clock or SystemClock()

    from portal_web import init_app as init_portal
    from webhooks import views as webhook_views

    webhook_views.init_app(app)
    init_portal(app)
    if settings.sandbox:
        from intake.sandbox.api import init_app as init_sandbox

        init_sandbox(app)
    return app
