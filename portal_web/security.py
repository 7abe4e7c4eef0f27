"""Sessions, CSRF and security headers for every browser-facing page.

Twilio's webhooks and the Stripe webhook are signed instead: they are exempt from CSRF.
"""

from __future__ import annotations

from flask import Flask, Response, request
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from ticketing.account_models import User

csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Please log in to see that page."
# Where signatures, not browser sessions, prove who is asking.
CSRF_EXEMPT_PREFIXES = ("twilio", "sandbox", "stripe_webhook", "calendar_feed")

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self' https://checkout.stripe.com; frame-ancestors 'none'; base-uri 'none'"
)


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    from flask import current_app

    uid, _, version = user_id.partition(":")
    if not uid.isdigit():
        return None
    user = current_app.extensions["db"].session.get(User, int(uid))
    # A password change bumps session_version: older sessions end there.
    if user is None or not user.active or str(user.session_version) != version:
        return None
    return user


def _headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.is_secure or request.headers.get("X-Forwarded-Proto") == "https":
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def init_security(app: Flask) -> None:
    """Log-in sessions, CSRF on every form, and security headers on every answer."""
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", 8 * 3600)
    app.config.setdefault("REMEMBER_COOKIE_HTTPONLY", True)
    app.config.setdefault("REMEMBER_COOKIE_SECURE", app.config["SESSION_COOKIE_SECURE"])
    login_manager.init_app(app)
    csrf.init_app(app)
    app.after_request(_headers)


def exempt_signed_blueprints(app: Flask) -> None:
    """Call after every blueprint is registered: signed endpoints skip CSRF."""
    for name, blueprint in app.blueprints.items():
        if name.startswith(CSRF_EXEMPT_PREFIXES):
            csrf.exempt(blueprint)
