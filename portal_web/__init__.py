"""The client portal and the staff console (Flask blueprints, templates, static files)."""

from __future__ import annotations

from flask import Flask, current_app

# Each module adds its routes to the shared blueprints when imported.
from portal_web import (  # noqa: F401
    agreements,
    auth,
    calendar_feed,
    console_billing,
    console_board,
    console_calendar,
    console_clients,
    console_delivery,
    console_oncall,
    console_tickets,
    home,
    invoices,
    payments,
    public,
    reports,
    requests_forms,
    tickets,
)
from portal_web.blueprints import auth as auth_bp
from portal_web.blueprints import console as console_bp
from portal_web.blueprints import portal as portal_bp
from portal_web.blueprints import stripe_webhook as stripe_bp
from portal_web.security import init_security


def _template_globals() -> dict[str, object]:
    return {"firm_name": current_app.config["SETTINGS"].firm_name}


def init_app(app: Flask) -> None:
    """Sessions and CSRF, then every browser-facing blueprint."""
    init_security(app)
    app.context_processor(_template_globals)
    for blueprint in (public.bp, auth_bp, portal_bp, console_bp, stripe_bp):
        app.register_blueprint(blueprint)
    calendar_feed.init_app(app)
