"""Asking for access, setting and resetting passwords, logging out, in the browser's shoes:
every form is submitted with its CSRF token, as a browser would."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.clock import FrozenClock
from tests.support.forms import post_form, session_csrf_token
from tests.support.logins import is_logged_in, log_in, log_out
from tests.support.outbox import account_emails, link_path
from tests.support.users import PASSWORD, make_user
from ticketing.accounts.access_requests import approve_request
from ticketing.accounts.models import AccessRequest
from ticketing.firm import Firm

FIRM = Firm(name="Accelerando", base_url="https://intake.example.com")
REQUEST = {
    "name": "Pat Baker",
    "company": "Blue Ridge Bakery",
    "email": "Pat@BlueRidgeBakery.example",
    "phone": "(336) 555-0142",
    "message": "I pay the invoices.",
}


pytestmark = pytest.mark.usefixtures("portal_files")


def _requests(session: Session) -> list[AccessRequest]:
    stmt = select(AccessRequest).execution_options(populate_existing=True)
    return list(session.scalars(stmt.order_by(AccessRequest.id)))


def test_request_approve_set_password_log_in_and_out(
    client: FlaskClient, session: Session, clock: FrozenClock, directory: dict
) -> None:
    sent = post_form(client, "/request-access", REQUEST)
    assert sent.status_code == 302 and sent.headers["Location"] == "/request-access/received"
    assert "We have your request" in client.get(sent.headers["Location"]).text
    (request,) = _requests(session)
    assert (request.email, request.phone, request.status) == (
        "pat@blueridgebakery.example",
        "+13365550142",
        "pending",
    )
    issued = approve_request(
        session,
        request.id,
        account="1001",
        admin=False,
        billing=True,
        now=clock(),
        firm=FIRM,
        decided_by="test",
    )
    session.commit()
    (email,) = account_emails(session, to="pat@blueridgebakery.example")
    assert issued.link in email.body
    path = link_path(email.body)
    page = client.get(path)
    assert page.status_code == 200 and "Choose your password" in page.text
    assert page.headers["Cache-Control"] == "no-store"
    done = post_form(client, path, {"password": PASSWORD, "confirm": PASSWORD})
    assert done.status_code == 302 and done.headers["Location"] == "/portal/"
    assert is_logged_in(client)
    bye = log_out(client)
    assert bye.status_code == 302 and bye.headers["Location"] == "/"
    assert not is_logged_in(client)
    assert log_in(client, "PAT@blueridgebakery.example").headers["Location"] == "/portal/"


def test_request_form_checks_what_it_is_given(client: FlaskClient, session: Session) -> None:
    bad = post_form(client, "/request-access", {**REQUEST, "email": "pat@", "phone": "12"})
    assert bad.status_code == 200
    assert "Enter an email address like name@example.com." in bad.text
    assert "Enter a phone number like (336) 555-0123" in bad.text
    assert 'aria-invalid="true"' in bad.text
    empty = post_form(client, "/request-access", {**REQUEST, "name": "", "company": " "})
    assert "Enter your name." in empty.text and "Enter your company" in empty.text
    too_long = post_form(client, "/request-access", {**REQUEST, "message": "x" * 2001})
    assert too_long.status_code == 200
    no_phone = post_form(client, "/request-access", {**REQUEST, "phone": ""})
    assert no_phone.status_code == 302
    assert [r.phone for r in _requests(session)] == [""]


def test_request_for_an_existing_account_answers_the_same(
    client: FlaskClient, session: Session, directory: dict
) -> None:
    make_user(session, "jane@blueridgebakery.example", client=directory["bakery"])
    known = post_form(
        client, "/request-access", {**REQUEST, "email": "Jane@BlueRidgeBakery.example"}
    )
    unknown = post_form(client, "/request-access", REQUEST)
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    assert [r.email for r in _requests(session)] == ["pat@blueridgebakery.example"]
    (told,) = account_emails(session, to="jane@blueridgebakery.example")
    assert "already has an account" in told.body and "/forgot-password" in told.body


def test_unknown_expired_and_used_links_get_a_clear_page(
    client: FlaskClient, session: Session, clock: FrozenClock, directory: dict
) -> None:
    unknown = client.get("/set-password/not-a-token")
    assert unknown.status_code == 410 and "This link has expired; ask for a new one" in unknown.text
    assert 'href="/forgot-password"' in unknown.text
    post_form(client, "/request-access", REQUEST)
    (request,) = _requests(session)
    approve_request(
        session,
        request.id,
        account="1001",
        admin=True,
        billing=False,
        now=clock(),
        firm=FIRM,
        decided_by="test",
    )
    session.commit()
    path = link_path(account_emails(session)[0].body)
    clock.advance(timedelta(hours=71, minutes=59))
    assert client.get(path).status_code == 200
    clock.advance(timedelta(minutes=1))
    expired = client.get(path)
    assert expired.status_code == 410 and "This link has expired" in expired.text
    data = {"password": PASSWORD, "confirm": PASSWORD, "csrf_token": session_csrf_token(client)}
    assert client.post(path, data=data).status_code == 410


def test_a_link_works_once(client: FlaskClient, session: Session, directory: dict) -> None:
    make_user(session, "jane@blueridgebakery.example", client=directory["bakery"])
    post_form(client, "/forgot-password", {"email": "jane@blueridgebakery.example"})
    path = link_path(account_emails(session)[0].body)
    page = client.get(path)
    assert "Choose a new password" in page.text
    chosen = {"password": "a brand new one!", "confirm": "a brand new one!"}
    assert post_form(client, path, chosen).status_code == 302
    again = client.get(path)
    assert again.status_code == 410
    other = FlaskClient(client.application)
    assert log_in(other, "jane@blueridgebakery.example", "a brand new one!").status_code == 302


def test_password_rules_are_explained(
    client: FlaskClient, session: Session, directory: dict
) -> None:
    user = make_user(session, "jane@blueridgebakery.example", password=None)
    post_form(client, "/forgot-password", {"email": user.email})
    path = link_path(account_emails(session)[0].body)
    cases = {
        "short pass": "Use at least 12 characters.",
        "aaaaaaaaaaaaaaaa": "Use more than one repeated character.",
        "Jane@BlueRidgeBakery.example": "Do not use your email address",
    }
    for password, message in cases.items():
        answer = post_form(client, path, {"password": password, "confirm": password})
        assert answer.status_code == 200 and message in answer.text
    differ = post_form(client, path, {"password": PASSWORD, "confirm": PASSWORD + "!"})
    assert "The two passwords differ." in differ.text
    session.refresh(user)
    assert user.password_hash is None and client.get(path).status_code == 200


def test_password_is_stored_hashed_with_scrypt(
    client: FlaskClient, session: Session, directory: dict
) -> None:
    user = make_user(session, "jane@blueridgebakery.example", password=None)
    post_form(client, "/forgot-password", {"email": user.email})
    path = link_path(account_emails(session)[0].body)
    post_form(client, path, {"password": PASSWORD, "confirm": PASSWORD})
    session.refresh(user)
    assert user.password_hash.startswith("scrypt:")
    assert PASSWORD not in user.password_hash


def test_a_new_password_ends_other_sessions(
    client: FlaskClient, session: Session, directory: dict
) -> None:
    user = make_user(session, "jane@blueridgebakery.example", client=directory["bakery"])
    laptop, phone = client, FlaskClient(client.application)
    assert log_in(laptop, user.email).status_code == 302
    assert log_in(phone, user.email).status_code == 302
    post_form(phone, "/forgot-password", {"email": user.email})
    path = link_path(account_emails(session, to=user.email)[0].body)
    post_form(phone, path, {"password": "a brand new one!", "confirm": "a brand new one!"})
    session.refresh(user)
    assert user.session_version == 2
    assert is_logged_in(phone)
    assert not is_logged_in(laptop)


def test_forgot_password_answers_the_same_for_anyone(
    client: FlaskClient, session: Session, clock: FrozenClock, directory: dict
) -> None:
    make_user(session, "jane@blueridgebakery.example", client=directory["bakery"])
    known = post_form(client, "/forgot-password", {"email": "jane@blueridgebakery.example"})
    unknown = post_form(client, "/forgot-password", {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 200
    assert known.text.replace("jane@blueridgebakery.example", "") == unknown.text.replace(
        "nobody@example.com", ""
    )
    assert "If an account exists for that address, we've emailed a link" in known.text
    (email,) = account_emails(session)
    assert email.to_address == "jane@blueridgebakery.example" and "1 hour" in email.body
    clock.advance(timedelta(hours=1))
    assert client.get(link_path(email.body)).status_code == 410
