"""Logging a test client in: straight into the session, or through the login form (and
the second factor's code page, for those who have one)."""

from __future__ import annotations

from typing import Any, overload

from flask.testing import FlaskClient
from flask_login.utils import _create_identifier
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from tests.support.forms import post_form, session_csrf_token
from tests.support.second_factor import TOTP_SECRET, current_code
from tests.support.users import PASSWORD, make_user
from ticketing.accounts.models import User
from ticketing.models import Client

STAFF_NAME = "Sam Okafor"


@overload
def log_in(client: FlaskClient, who: User, *, base_url: str | None = None) -> FlaskClient: ...


@overload
def log_in(
    client: FlaskClient, who: str, password: str = PASSWORD, **request: Any
) -> TestResponse: ...


def log_in(
    client: FlaskClient,
    who: User | str,
    password: str = PASSWORD,
    *,
    base_url: str | None = None,
    **request: Any,
) -> FlaskClient | TestResponse:
    """Log in as `who`. A User goes straight into the session, as Flask-Login stores it
    (on the site at `base_url` if given), and the client is returned; an email is typed
    into the login form with `password` (and `request` options), then, when the code page
    follows, the current code of the tests' known secret; the last form's answer is
    returned (a redirect when it worked)."""
    if isinstance(who, str):
        answer = post_form(client, "/login", {"email": who, "password": password}, **request)
        if answer.status_code == 302 and answer.location == CODE_PAGE:
            return enter_code(client, **request)
        return answer
    where = {"base_url": base_url} if base_url else {}
    # Session protection is "strong": the session must carry the browser's identifier
    # (a hash of the test client's address and user agent), as login_user() stores it.
    with client.application.test_request_context(environ_base=client.environ_base, **where):
        identifier = _create_identifier()
    with client.session_transaction(**where) as stored:
        stored["_user_id"] = who.get_id()
        stored["_fresh"] = True
        stored["_id"] = identifier
    return client


CODE_PAGE = "/login/code"


def enter_code(client: FlaskClient, secret: str = TOTP_SECRET, **request: Any) -> TestResponse:
    """Type the authenticator app's current code into the code page; when this time step's
    code was used already (a frozen clock), the next step's, which is accepted too."""
    for steps in (0, 1):
        code = current_code(client.application, secret, steps=steps)
        answer = post_form(client, CODE_PAGE, {"code": code}, **request)
        if answer.status_code != 200 or "used already" not in answer.text:
            return answer
    return answer


def log_out(client: FlaskClient) -> TestResponse:
    """Press the "Log out" button (a POST with the session's CSRF token)."""
    return client.post("/logout", data={"csrf_token": session_csrf_token(client)})


def is_logged_in(client: FlaskClient) -> bool:
    """Whether the client's session holds a user that still loads (the login page
    sends logged-in people on)."""
    return client.get("/login").status_code == 302


def as_staff(
    client: FlaskClient,
    session: Session,
    *,
    name: str = STAFF_NAME,
    email: str = "sam@accelerando.example",
) -> FlaskClient:
    """`client`, logged in as a member of the firm's staff."""
    return log_in(client, make_user(session, email, role="staff", name=name))


def as_client_user(
    client: FlaskClient,
    session: Session,
    company: Client,
    *,
    role: str = "client_admin",
    email: str | None = None,
    name: str = "Ada Admin",
    billing: bool = False,
) -> User:
    """Log `client` in as a user of `company` (its administrator unless `role` says
    otherwise) and return that user."""
    user = make_user(
        session,
        email or f"admin{company.id}@client.example",
        client=company,
        role=role,
        name=name,
        billing=billing,
    )
    log_in(client, user)
    return user
