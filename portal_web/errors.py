"""Pages for "not found", "forbidden" and a provider's failure (a recorded message that could
not be fetched) in the site's own layout, with a way back; machine endpoints (Twilio's
webhooks, the sandbox's API, Stripe, calendar feeds, health) keep their plain answers,
since no person reads them."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user
from werkzeug.exceptions import HTTPException

MACHINE_PATHS = ("/twilio/", "/sandbox/twilio/", "/stripe/", "/oncall/", "/healthz")
TITLES = {
    403: "You cannot see this page",
    404: "Page not found",
    # Only the recorded-message routes answer these: the phone provider failed us.
    502: "The recording could not be fetched",
    504: "The recording took too long to arrive",
}


def _way_back() -> tuple[str, str]:
    """Where a person on this page most likely wants to go: their own start page."""
    if current_user.is_authenticated:
        if current_user.is_staff:
            return "/console/", "Back to the console"
        return "/portal/", "Back to your portal"
    return "/", "Back to the home page"


def _page(error: HTTPException) -> ResponseReturnValue:
    if request.path.startswith(MACHINE_PATHS) or error.code not in TITLES:
        return error
    href, label = _way_back()
    html = render_template(
        "error.html", code=error.code, title=TITLES[error.code], href=href, label=label
    )
    return html, error.code  # type: ignore[return-value]


def init_app(app: Flask) -> None:
    """Answer 403, 404, 502 and 504 with a page in the site's layout."""
    for code in TITLES:
        app.register_error_handler(code, _page)
