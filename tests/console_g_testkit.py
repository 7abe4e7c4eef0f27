"""Helpers for the console's on-call, calendar and clients tests (a plain module: a second
conftest.py would shadow tests/conftest.py)."""

from __future__ import annotations

from flask.testing import FlaskClient
from portal_auth_testkit import make_user, session_csrf_token
from portal_b_testkit import login
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

SCRIPT = "<script>alert(1)</script>"


def as_staff(client: FlaskClient, session: Session) -> FlaskClient:
    """`client` logged in as one of the firm's staff."""
    return login(client, make_user(session, "sam@accelerando.test", role="staff", name="Sam Staff"))


def as_client_user(client: FlaskClient, session: Session, client_id: int) -> FlaskClient:
    """`client` logged in as a client's company administrator (no console for them)."""
    user = make_user(session, "boss@bakery.test", role="client_admin", client_id=client_id)
    return login(client, user)


def post(client: FlaskClient, path: str, data: dict[str, str] | None = None) -> TestResponse:
    """A form post with the session's CSRF token, as the page's form would send it."""
    return client.post(path, data={**(data or {}), "csrf_token": session_csrf_token(client)})


def text(response: TestResponse, status: int = 200) -> str:
    """The HTML of a response, checked to have `status`."""
    assert response.status_code == status, response.get_data(as_text=True)[:3000]
    return response.get_data(as_text=True)
