"""Helpers for portal tests: users with passwords, logging in through the real form
(CSRF token included), and reading the account emails in the outbox."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from jinja2 import TemplateNotFound
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from ticketing.accounts.credentials import hash_password
from ticketing.accounts.models import User
from ticketing.models import OutboxMessage

PASSWORD = "correct horse battery staple"
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_LINK = re.compile(r"https?://\S+/set-password/\S+")


def wire_portal_files(app: Flask) -> None:
    """Point the app at portal_web's templates and static files if create_app does not
    (yet): a no-op once it does."""
    try:
        app.jinja_env.get_template("base.html")
        return
    except TemplateNotFound:
        pass
    import portal_web

    root = Path(portal_web.__file__).parent
    app.__dict__.pop("jinja_loader", None)  # a cached property, computed from the folder
    app.template_folder = str(root / "templates")
    app.static_folder = str(root / "static")
    if "static" not in app.view_functions:
        app.add_url_rule("/static/<path:filename>", "static", app.send_static_file)


def csrf_token(html: str) -> str:
    """The CSRF token of the (first) form on a page."""
    match = _CSRF.search(html)
    assert match, "no csrf_token on the page"
    return match.group(1)


def session_csrf_token(client: FlaskClient) -> str:
    """A valid CSRF token for the client's session, made the way Flask-WTF makes the one a
    page would carry (for posts such as logout, without rendering a page first)."""
    with client.session_transaction() as stored:
        raw = stored.setdefault("csrf_token", hashlib.sha1(os.urandom(64)).hexdigest())
    secret = client.application.config["SECRET_KEY"]
    return URLSafeTimedSerializer(secret, salt="wtf-csrf-token").dumps(raw)


def log_out(client: FlaskClient) -> TestResponse:
    """Press the "Log out" button (a POST with the session's CSRF token)."""
    return client.post("/logout", data={"csrf_token": session_csrf_token(client)})


def post_form(
    client: FlaskClient, path: str, data: dict[str, str], **kwargs: object
) -> TestResponse:
    """Open the page at `path` and submit its form with `data`, as a browser would."""
    page = client.get(path, **kwargs)
    return client.post(path, data={**data, "csrf_token": csrf_token(page.text)}, **kwargs)


def make_user(
    session: Session,
    email: str,
    *,
    password: str | None = PASSWORD,
    role: str = "client_user",
    client_id: int | None = None,
    billing: bool = False,
    contact_id: int | None = None,
    name: str = "Test Person",
) -> User:
    """A user who can log in with `password` (committed, so the app's session sees it)."""
    user = User(
        email=email.lower(),
        name=name,
        role=role,
        client_id=client_id,
        contact_id=contact_id,
        can_view_billing=billing,
        password_hash=hash_password(password) if password else None,
        active=True,
        session_version=1,
    )
    session.add(user)
    session.commit()
    return user


def log_in(
    client: FlaskClient, email: str, password: str = PASSWORD, **kwargs: object
) -> TestResponse:
    """Submit the login form; the answer is a redirect when it worked."""
    return post_form(client, "/login", {"email": email, "password": password}, **kwargs)


def is_logged_in(client: FlaskClient) -> bool:
    """Whether the client's session holds a user that still loads (the login page
    sends logged-in people on)."""
    return client.get("/login").status_code == 302


def account_emails(session: Session, to: str | None = None) -> list[OutboxMessage]:
    """Account emails (links, replies to requests) in the outbox, oldest first."""
    stmt = select(OutboxMessage).where(OutboxMessage.channel == "email")
    if to is not None:
        stmt = stmt.where(OutboxMessage.to_address == to)
    stmt = stmt.where(OutboxMessage.kind == "account").order_by(OutboxMessage.id)
    return list(session.scalars(stmt.execution_options(populate_existing=True)))


def link_path(body: str) -> str:
    """The path of the set-password link in an email body."""
    match = _LINK.search(body)
    assert match, f"no set-password link in: {body!r}"
    return urlsplit(match.group(0)).path
