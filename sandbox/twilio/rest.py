"""What every endpoint of the Twilio sandbox shares: Twilio's auth, errors and clock."""

from __future__ import annotations

import functools
import hmac
from collections.abc import Callable

import click
from flask import Response, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from sandbox import context
from sandbox.twilio.store import SandboxStore


def sandbox_store() -> SandboxStore:
    """The store of the current app."""
    store: SandboxStore = current_app.extensions["sandbox"]
    return store


def twilio_error(status: int, code: int, message: str) -> tuple[Response, int]:
    """An error body shaped like Twilio's, which twilio-python turns into TwilioRestException."""
    body = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return jsonify(body), status


def announce(line: str) -> None:
    """Print one line for the person watching the demo."""
    # The demo user watches the `intake serve --demo` terminal; click.echo flushes.
    click.echo(line)


def _credentials_ok(account_sid: str, auth_token: str) -> bool:
    auth = request.authorization
    if auth is None or auth.type != "basic":
        return False
    sid_ok = hmac.compare_digest((auth.username or "").encode(), account_sid.encode())
    token_ok = hmac.compare_digest((auth.password or "").encode(), auth_token.encode())
    return sid_ok and token_ok


def authenticated(view: Callable[..., ResponseReturnValue]) -> Callable[..., ResponseReturnValue]:
    """Require HTTP basic auth with the account SID and auth token, as Twilio does."""

    @functools.wraps(view)
    def wrapper(account_sid: str, **kwargs: str) -> ResponseReturnValue:
        """The view, if the caller is the account."""
        settings = context.settings()
        if not _credentials_ok(settings.twilio_account_sid, settings.twilio_auth_token):
            response, status = twilio_error(401, 20003, "Authenticate")
            response.headers["WWW-Authenticate"] = 'Basic realm="Twilio API"'
            return response, status
        if account_sid != settings.twilio_account_sid:
            return not_found()
        return view(account_sid, **kwargs)

    return wrapper


def not_found() -> tuple[Response, int]:
    """Twilio's 404 for the requested path."""
    return twilio_error(404, 20404, f"The requested resource {request.path} was not found")
