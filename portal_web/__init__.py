"""The client portal and the staff console (Flask blueprints, templates, static files)."""

from __future__ import annotations

from flask import Flask

from portal_web import calendar_feed, context, display, errors, public
from portal_web.auth import auth as auth_bp
from portal_web.console import console as console_bp
from portal_web.portal import portal as portal_bp
from portal_web.portal import stripe_webhook as stripe_bp
from portal_web.security import init_security


def _template_globals() -> dict[str, object]:
    # Every page names the firm and its lines from settings, never from the template.
    return {"firm_name": context.settings().firm_name, "firm": context.firm()}


def init_app(app: Flask) -> None:
    """Sessions and CSRF, then every browser-facing blueprint."""
    init_security(app)
    app.context_processor(_template_globals)
    display.init_app(app)
    for blueprint in (public.bp, auth_bp, portal_bp, console_bp, stripe_bp):
        app.register_blueprint(blueprint)
    calendar_feed.init_app(app)
    errors.init_app(app)
