"""Logging in: wrong passwords, throttling, CSRF, session fixation, cookies, redirects."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from intake.clock import FrozenClock
from portal_web.auth.views import THROTTLED, WRONG
from tests.support.forms import post_form
from tests.support.logins import is_logged_in, log_in
from tests.support.users import PASSWORD, make_user
from ticketing.accounts.models import LoginAttempt

pytestmark = pytest.mark.usefixtures("portal_files")


def test_wrong_password_and_unknown_email_answer_alike(
    client: FlaskClient, session: Session, directory: dict
) -> None:
    make_user(session, "jane@blueridgebakery.example", client=directory["bakery"])
    wrong = log_in(client, "jane@blueridgebakery.example", "not the password")
    nobody = log_in(client, "nobody@example.com", "not the password")
    assert wrong.status_code == nobody.status_code == 200
    assert WRONG in wrong.text and WRONG in nobody.text
    assert not is_logged_in(client)
    attempts = session.scalars(select(LoginAttempt).order_by(LoginAttempt.id)).all()
    assert [(a.email, a.succeeded) for a in attempts] == [
        ("jane@blueridgebakery.example", False),
        ("nobody@example.com", False),
    ]


def test_five_failures_lock_the_account_for_fifteen_minutes(
    client: FlaskClient, session: Session, clock: FrozenClock, directory: dict
) -> None:
    make_user(session, "jane@blueridgebakery.example", client=directory["bakery"])
    for _ in range(5):
        assert WRONG in log_in(client, "jane@blueridgebakery.example", "guess guess").text
    refused = log_in(client, "jane@blueridgebakery.example")
    assert refused.status_code == 200 and THROTTLED in refused.text
    assert 'name="password"' in refused.text
    # The same answer for an address without an account: the lock tells nothing.
    for _ in range(5):
        log_in(client, "nobody@example.com", "guess guess")
    assert THROTTLED in log_in(client, "nobody@example.com").text
    clock.advance(timedelta(minutes=14, seconds=59))
    assert THROTTLED in log_in(client, "jane@blueridgebakery.example").text
    clock.advance(timedelta(seconds=1))
    assert log_in(client, "jane@blueridgebakery.example").status_code == 302
    wins = select(func.count()).where(LoginAttempt.succeeded.is_(True))
    assert session.scalar(wins) == 1


def test_twenty_failures_from_one_address_lock_that_address(
    client: FlaskClient, session: Session, directory: dict
) -> None:
    make_user(session, "jane@blueridgebakery.example", client=directory["bakery"])
    here = {"environ_base": {"REMOTE_ADDR": "203.0.113.9"}}
    for n in range(20):
        log_in(client, f"someone{n}@example.com", "guess guess", **here)
    assert THROTTLED in log_in(client, "jane@blueridgebakery.example", **here).text
    elsewhere = FlaskClient(client.application)
    there = {"environ_base": {"REMOTE_ADDR": "198.51.100.7"}}
    assert log_in(elsewhere, "jane@blueridgebakery.example", **there).status_code == 302


def test_login_form_refuses_a_post_without_csrf_token(
    app: Flask, client: FlaskClient, session: Session, directory: dict
) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    make_user(session, "jane@blueridgebakery.example", client=directory["bakery"])
    bare = client.post(
        "/login", data={"email": "jane@blueridgebakery.example", "password": PASSWORD}
    )
    assert bare.status_code == 400
    assert session.scalar(select(func.count()).select_from(LoginAttempt)) == 0
    assert client.post("/logout").status_code == 400


def test_login_regenerates_the_session_and_sets_safe_cookies(
    client: FlaskClient, session: Session, directory: dict
) -> None:
    user = make_user(session, "jane@blueridgebakery.example", client=directory["bakery"])
    with client.session_transaction() as planted:
        planted["planted"] = "by an attacker"
    done = log_in(client, "jane@blueridgebakery.example")
    with client.session_transaction() as fresh:
        assert "planted" not in fresh and fresh["_user_id"] == f"{user.id}:1"
    cookie = done.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    assert "remember_token" not in " ".join(done.headers.getlist("Set-Cookie"))


def test_remember_me_sets_a_lasting_cookie(
    client: FlaskClient, session: Session, directory: dict
) -> None:
    make_user(session, "jane@blueridgebakery.example", client=directory["bakery"])
    data = {"email": "jane@blueridgebakery.example", "password": PASSWORD, "remember": "y"}
    done = post_form(client, "/login", data)
    remember = [c for c in done.headers.getlist("Set-Cookie") if c.startswith("remember_token")]
    assert remember and "HttpOnly" in remember[0] and "Secure" in remember[0]


def test_next_goes_only_to_this_site(
    client: FlaskClient, session: Session, directory: dict
) -> None:
    make_user(session, "jane@blueridgebakery.example", client=directory["bakery"])
    for target, expected in (
        ("/portal/tickets", "/portal/tickets"),
        ("//evil.example/x", "/portal/"),
        ("https://evil.example/", "/portal/"),
        ("/\t/evil.example", "/portal/"),
    ):
        fresh = FlaskClient(client.application)
        done = log_in(fresh, "jane@blueridgebakery.example", query_string={"next": target})
        assert done.headers["Location"] == expected, target


def test_staff_land_on_the_console_and_clients_cannot_see_it(
    client: FlaskClient, session: Session, directory: dict
) -> None:
    make_user(session, "priya@accelerando.example", role="staff")
    make_user(session, "jane@blueridgebakery.example", client=directory["bakery"])
    staff = log_in(client, "priya@accelerando.example")
    assert staff.headers["Location"] == "/console/"
    assert client.get("/console/").status_code == 200
    other = FlaskClient(client.application)
    log_in(other, "jane@blueridgebakery.example")
    assert other.get("/console/").status_code == 404


def test_a_deactivated_account_cannot_log_in(
    client: FlaskClient, session: Session, directory: dict
) -> None:
    user = make_user(session, "jane@blueridgebakery.example", client=directory["bakery"])
    assert log_in(client, user.email).status_code == 302
    user.active = False
    session.commit()
    assert not is_logged_in(client)
    assert WRONG in log_in(client, user.email).text
    session.refresh(user)
    assert user.last_login_at is not None
