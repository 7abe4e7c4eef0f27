"""Submitting the app's forms as a browser would: the CSRF token read from the page or made
for the session, then the POST."""

from __future__ import annotations

import hashlib
import os
import re
from typing import Any

from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from werkzeug.test import TestResponse

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(html: str) -> str:
    """The CSRF token of the (first) form on a page."""
    match = _CSRF.search(html)
    assert match, "no csrf_token on the page"
    return match.group(1)


def session_csrf_token(client: FlaskClient, **where: Any) -> str:
    """A valid CSRF token for the client's session, made the way Flask-WTF makes the one a
    page would carry (`where`: base_url=... for a session kept on another host)."""
    with client.session_transaction(**where) as stored:
        raw = stored.setdefault("csrf_token", hashlib.sha1(os.urandom(64)).hexdigest())
    secret = client.application.config["SECRET_KEY"]
    return URLSafeTimedSerializer(secret, salt="wtf-csrf-token").dumps(raw)


def post(client: FlaskClient, path: str, data: dict[str, Any] | None = None) -> TestResponse:
    """A form POST carrying the session's CSRF token, as the page's own form sends it."""
    return client.post(path, data={**(data or {}), "csrf_token": session_csrf_token(client)})


def post_form(client: FlaskClient, path: str, data: dict[str, str], **kwargs: Any) -> TestResponse:
    """Open the page at `path` and submit its form with `data`, as a browser would."""
    page = client.get(path, **kwargs)
    return client.post(path, data={**data, "csrf_token": csrf_token(page.text)}, **kwargs)
