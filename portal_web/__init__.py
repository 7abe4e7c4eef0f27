"""The client portal and the staff console (Flask blueprints, templates, static files)."""

from __future__ import annotations

from flask import Blueprint, Flask, current_app

from portal_web import calendar_feed

bp = Blueprint("portal", __name__)


@bp.get("/")
def home() -> tuple[str, int, dict[str, str]]:
    """A plain front page until the portal exists: says what this service is."""
    settings = current_app.config["SETTINGS"]
    body = (
        f"{settings.firm_name} Emergency Intake is running.\n"
        f"Support line: {settings.twilio_voice_number}\n"
    )
    return body, 200, {"Content-Type": "text/plain; charset=utf-8"}


@bp.get("/healthz")
def healthz() -> tuple[str, int, dict[str, str]]:
    """Liveness probe for load balancers."""
    return "ok\n", 200, {"Content-Type": "text/plain"}


def init_app(app: Flask) -> None:
    """Register the portal blueprints."""
    app.register_blueprint(bp)
    calendar_feed.init_app(app)
