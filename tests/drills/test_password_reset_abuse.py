"""Abusing the one-time password links: used twice, used late, tampered with, pointed at
another account, or outlived by a newer reset. Each is refused (410) and changes nothing;
a completed reset ends the older links and every existing session."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support.forms import csrf_token, post_form, session_csrf_token
from tests.support.logins import is_logged_in, log_in
from tests.support.outbox import account_emails, link_path
from tests.support.people import JANE_EMAIL
from tests.support.users import PASSWORD, make_user
from ticketing.accounts.access_requests import add_client_user
from ticketing.accounts.credentials import verify_password
from ticketing.accounts.models import PasswordToken
from ticketing.firm import Firm

MARIA = "maria@yadkindiner.example"
NEW = "a brand new passphrase"
OTHER = "yet another passphrase"


@pytest.fixture
def maria(session: Session, directory: dict):
    return make_user(session, MARIA, client=directory["diner"], role="client_admin")


def reset_link(client: FlaskClient, session: Session, email: str) -> str:
    """Ask for a reset link as the user would, and read it from the email."""
    assert post_form(client, "/forgot-password", {"email": email}).status_code == 200
    return link_path(account_emails(session, to=email)[-1].body)


def choose(client: FlaskClient, path: str, password: str = NEW, **extra: str):
    """Open the link and submit a new password (with the page's own CSRF token)."""
    page = client.get(path)
    token = csrf_token(page.text) if page.status_code == 200 else _any_token(client)
    data = {"password": password, "confirm": password, "csrf_token": token, **extra}
    return client.post(path, data=data)


def _any_token(client: FlaskClient) -> str:
    return csrf_token(client.get("/forgot-password").text)


def password_is(session: Session, user, password: str) -> bool:
    session.refresh(user)
    return verify_password(user.password_hash, password)


def test_a_link_works_once(client, session, jane) -> None:
    path = reset_link(client, session, JANE_EMAIL)
    page = client.get(path)
    assert page.status_code == 200
    token = csrf_token(page.text)
    data = {"password": NEW, "confirm": NEW, "csrf_token": token}
    assert client.post(path, data=data).status_code == 302
    # The same form posted again (a second tab, a replay, with a valid CSRF token of the
    # new session): refused, password kept.
    again = {"password": OTHER, "confirm": OTHER, "csrf_token": session_csrf_token(client)}
    assert client.post(path, data=again).status_code == 410
    assert client.get(path).status_code == 410
    assert choose(FlaskClient(client.application), path, OTHER).status_code == 410
    assert password_is(session, jane, NEW) and not password_is(session, jane, OTHER)


def test_a_reset_link_expires_after_an_hour(client, session, clock, jane) -> None:
    path = reset_link(client, session, JANE_EMAIL)
    clock.advance(timedelta(minutes=59, seconds=59))
    page = client.get(path)
    assert page.status_code == 200
    clock.advance(timedelta(seconds=1))
    # The page was opened in time, the form is sent too late: refused.
    late = client.post(
        path, data={"password": NEW, "confirm": NEW, "csrf_token": csrf_token(page.text)}
    )
    assert late.status_code == 410
    assert client.get(path).status_code == 410
    assert password_is(session, jane, PASSWORD)


def test_a_set_password_link_expires_after_72_hours(client, session, clock, directory) -> None:
    firm = Firm(name="Accelerando", base_url="https://intake.example.com")
    early = add_client_user(
        session,
        email="early@bakery.example",
        name="Early",
        account="1001",
        admin=False,
        billing=False,
        now=clock(),
        firm=firm,
    )
    late = add_client_user(
        session,
        email="late@bakery.example",
        name="Late",
        account="1001",
        admin=False,
        billing=False,
        now=clock(),
        firm=firm,
    )
    session.commit()
    clock.advance(timedelta(hours=71, minutes=59))
    assert choose(client, link_path(early.link)).status_code == 302
    clock.advance(timedelta(minutes=1, seconds=1))
    assert client.get(link_path(late.link)).status_code == 410
    assert choose(FlaskClient(client.application), link_path(late.link)).status_code == 410
    session.refresh(late.user)
    assert late.user.password_hash is None


def test_tampered_and_guessed_tokens_are_refused(client, session, jane) -> None:
    path = reset_link(client, session, JANE_EMAIL)
    raw = path.rsplit("/", 1)[1]
    stored = session.scalar(select(PasswordToken.token_hash).order_by(PasswordToken.id.desc()))
    assert stored == hashlib.sha256(raw.encode()).hexdigest() and raw not in stored
    flipped = raw[:-1] + ("A" if raw[-1] != "A" else "B")
    for token in (
        flipped,
        raw[:-1],
        raw + "x",
        raw.upper(),
        raw.swapcase(),
        stored,  # the hash a database reader would see
        "x" * 300,
        raw + "%00",
        raw + "/",
    ):
        response = client.get(f"/set-password/{token}")
        assert response.status_code in (400, 404, 410), token  # 400: a NUL in the URL
        assert choose(client, f"/set-password/{token}").status_code in (400, 404, 410), token
    assert password_is(session, jane, PASSWORD)
    assert choose(client, path).status_code == 302  # the real link still works


def test_a_link_changes_only_its_own_account(client, session, jane, maria) -> None:
    """Extra fields naming another account are ignored: a link belongs to one user."""
    path = reset_link(client, session, JANE_EMAIL)
    done = choose(client, path, email=MARIA, user_id=str(maria.id), user=str(maria.id))
    assert done.status_code == 302
    assert password_is(session, jane, NEW)
    assert password_is(session, maria, PASSWORD)
    with client.session_transaction() as stored:
        assert stored["_user_id"] == jane.get_id()


def test_a_reset_ends_older_links_and_every_session(client, session, jane) -> None:
    laptop = FlaskClient(client.application)
    assert log_in(laptop, JANE_EMAIL).status_code == 302
    first = reset_link(client, session, JANE_EMAIL)
    second = reset_link(client, session, JANE_EMAIL)
    assert first != second
    assert choose(client, second).status_code == 302
    assert choose(FlaskClient(client.application), first, OTHER).status_code == 410
    assert password_is(session, jane, NEW)
    assert not is_logged_in(laptop)
    assert is_logged_in(client)
    # The old password no longer works; the new one does.
    assert log_in(FlaskClient(client.application), JANE_EMAIL, PASSWORD).status_code == 200
    assert log_in(FlaskClient(client.application), JANE_EMAIL, NEW).status_code == 302


def test_a_deactivated_account_cannot_use_its_link(client, session, jane) -> None:
    path = reset_link(client, session, JANE_EMAIL)
    jane.active = False
    session.commit()
    assert choose(client, path).status_code == 410
    assert password_is(session, jane, PASSWORD)


def test_asking_for_links_is_throttled_and_tells_nothing(client, session, clock, jane) -> None:
    answers = []
    for email in (JANE_EMAIL, JANE_EMAIL, JANE_EMAIL, JANE_EMAIL, "nobody@example.com"):
        answer = post_form(client, "/forgot-password", {"email": email})
        answers.append((answer.status_code, answer.text.replace(email, "EMAIL")))
    assert len({status for status, _ in answers}) == 1
    assert len(account_emails(session, to=JANE_EMAIL)) == 3  # at most 3 an hour
    assert account_emails(session, to="nobody@example.com") == []
    clock.advance(timedelta(hours=1, seconds=1))
    post_form(client, "/forgot-password", {"email": JANE_EMAIL})
    assert len(account_emails(session, to=JANE_EMAIL)) == 4


def test_link_pages_are_private(client, session, jane) -> None:
    path = reset_link(client, session, JANE_EMAIL)
    for response in (client.get(path), client.get("/set-password/not-a-token")):
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert path.rsplit("/", 1)[1] not in response.headers.get("Location", "")
