"""Sessions, CSRF and security headers for every browser-facing page.

Twilio's webhooks and the Stripe webhook are signed instead: they are exempt from CSRF.
"""

from __future__ import annotations

from flask import Flask, Request, Response, abort, request, session
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from portal_web import context
from ticketing.accounts.models import User

# Twilio's webhooks: signed, cookie-less, answered to Twilio alone.
TWILIO_PATHS = "/twilio/"


class BrowserLoginManager(LoginManager):
    """Flask-Login, whose remember-me cookie is refreshed on answers to browsers only:
    Twilio sends no cookie, and a burst of calls is all webhooks."""

    def _update_remember_cookie(self, response: Response) -> Response:
        if request.path.startswith(TWILIO_PATHS):
            return response
        return super()._update_remember_cookie(response)


csrf = CSRFProtect()
login_manager = BrowserLoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Please log in to see that page."
# Where signatures, not browser sessions, prove who is asking.
CSRF_EXEMPT_PREFIXES = ("twilio", "sandbox", "stripe_webhook", "calendar_feed")

# Browser-facing blueprints whose input goes to the database as typed (console_phone: the
# demo's phone simulator, registered by the sandbox).
BROWSER_BLUEPRINTS = ("portal", "console", "auth", "public", "calendar_feed", "console_phone")
NUL_REFUSED = (
    "The request contains a NUL character (\\0), which cannot be stored. "
    "Remove it and send the form again."
)

# Someone's own data, and the log-in pages (each carries its session's CSRF token).
PRIVATE_BLUEPRINTS = ("portal", "console", "auth")

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self' https://checkout.stripe.com; frame-ancestors 'none'; base-uri 'none'"
)


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    uid, _, version = user_id.partition(":")
    if not uid.isdigit():
        return None
    user = context.db().get(User, int(uid))
    # A password change bumps session_version: older sessions end there.
    if user is None or not user.active or str(user.session_version) != version:
        return None
    return user


# Every answer's, unless its view set its own.
_ALWAYS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
)


def _headers(response: Response) -> Response:
    req = request._get_current_object()  # once: each use of the proxy is a look-up
    # One pass over what the view set: werkzeug's setdefault looks each name up by raising
    # and catching KeyError, and every webhook pays it.
    present = {name.lower() for name, _value in response.headers}
    for name, value in _ALWAYS:
        if name.lower() not in present:
            response.headers.add(name, value)
    # Twilio's answers are nobody's page, and Twilio has no session.
    if not req.path.startswith(TWILIO_PATHS) and _is_private(req):
        # A shared computer's cache or a proxy must not keep tickets, invoices or reports
        # after their reader logs out: overrides what a view set, such as a PDF's "private".
        response.headers["Cache-Control"] = "no-store"
    if "strict-transport-security" not in present and (req.is_secure or _public_origin_is_https()):
        response.headers.add("Strict-Transport-Security", "max-age=31536000")
    return response


def _is_private(req: Request) -> bool:
    if req.endpoint == "static":
        return False
    # The session cookie, not current_user: no database look-up while answering an error.
    return req.blueprint in PRIVATE_BLUEPRINTS or "_user_id" in session


def _public_origin_is_https() -> bool:
    # X-Forwarded-Proto counts only from a trusted proxy (ProxyFix then sets is_secure);
    # from anyone else it is the client's own claim.
    settings = context.settings_or_none()
    return bool(settings and settings.public_base_url.startswith("https://"))


def _refuse_nul() -> None:
    # PostgreSQL cannot store NUL in text (psycopg raises: a 500), and no one types it.
    if request.blueprint not in BROWSER_BLUEPRINTS:
        return
    typed = [*request.args.items(multi=True), *(request.view_args or {}).items()]
    if request.method == "POST":
        typed.extend(request.form.items(multi=True))
    if any("\x00" in f"{name}{value}" for name, value in typed):
        abort(400, NUL_REFUSED)


class NoSessionForTwilio(SecureCookieSessionInterface):
    """Browser sessions, and none for Twilio's webhooks: Twilio sends no cookie, and each of
    them would otherwise build the cookie's signer (a burst of calls is all webhooks)."""

    def open_session(self, app: Flask, req: Request) -> SessionMixin | None:
        if req.path.startswith(TWILIO_PATHS):
            return self.make_null_session(app)
        return super().open_session(app, req)


def init_security(app: Flask) -> None:
    """Log-in sessions, CSRF on every form, NUL refused, security headers on every answer."""
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", 8 * 3600)
    app.config.setdefault("REMEMBER_COOKIE_HTTPONLY", True)
    app.config.setdefault(
        "REMEMBER_COOKIE_SAMESITE", app.config["SESSION_COOKIE_SAMESITE"] or "Lax"
    )
    app.config.setdefault("REMEMBER_COOKIE_SECURE", app.config["SESSION_COOKIE_SECURE"])
    app.session_interface = NoSessionForTwilio()
    login_manager.init_app(app)
    app.before_request(_refuse_nul)
    csrf.init_app(app)
    app.after_request(_headers)


def exempt_signed_blueprints(app: Flask) -> None:
    """Call after every blueprint is registered: signed endpoints skip CSRF."""
    for name, blueprint in app.blueprints.items():
        if name.startswith(CSRF_EXEMPT_PREFIXES):
            csrf.exempt(blueprint)
