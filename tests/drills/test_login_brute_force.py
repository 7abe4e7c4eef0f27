"""A scripted password-guessing attack: hundreds of tries at one account, across many
accounts, from many (or spoofed) addresses. ticketing/accounts/logins.py documents the limits:
5 failures per email or 20 per address within 15 minutes lock for 15 minutes. The lock
holds even for the right password, ends on time, and never tells whether an account
exists."""

from __future__ import annotations

import re
from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from portal_web.auth.views import THROTTLED, WRONG
from tests.support.forms import session_csrf_token
from tests.support.intruders import drill_app
from tests.support.people import JANE_EMAIL
from tests.support.users import PASSWORD
from ticketing.accounts.logins import LOCK, MAX_PER_ADDRESS, MAX_PER_EMAIL, WINDOW
from ticketing.accounts.models import LoginAttempt, User

ATTACKER = "203.0.113.9"
ELSEWHERE = "198.51.100.7"
# Over https Flask-WTF also wants a same-site Referer with the CSRF token.
SAME_SITE = "https://localhost/login"
_HASH = generate_password_hash(PASSWORD)


def attempt(
    client: FlaskClient, email: str, password: str, addr: str = ATTACKER, **headers: str
) -> str:
    """One scripted login POST (no page load: bots don't); returns the outcome."""
    response = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": session_csrf_token(client)},
        environ_base={"REMOTE_ADDR": addr},
        headers=headers,
    )
    if response.status_code == 302:
        with client.session_transaction() as stored:
            stored.clear()  # log straight out again: the next try starts anonymous
        return "in"
    assert response.status_code == 200, response.status_code
    text = response.get_data(as_text=True)
    if THROTTLED in text:
        assert WRONG not in text
        return "throttled"
    assert WRONG in text
    return "wrong"


def recorded(session: Session, **where: str) -> int:
    stmt = select(func.count()).select_from(LoginAttempt)
    for name, value in where.items():
        stmt = stmt.where(getattr(LoginAttempt, name) == value)
    return session.scalar(stmt)


def test_the_documented_limits_are_the_ones_drilled() -> None:
    assert (MAX_PER_EMAIL, MAX_PER_ADDRESS) == (5, 20)
    assert WINDOW == LOCK == timedelta(minutes=15)


def test_200_guesses_at_one_account_lock_it_for_15_minutes(client, session, clock, jane) -> None:
    outcomes = [attempt(client, JANE_EMAIL, f"guess {n}") for n in range(200)]
    assert outcomes[:5] == ["wrong"] * 5
    assert set(outcomes[5:]) == {"throttled"}
    assert attempt(client, JANE_EMAIL, PASSWORD) == "throttled"  # even the right password
    assert recorded(session) == 5  # refused tries are not stored: the table stays small
    clock.advance(LOCK - timedelta(seconds=1))
    assert attempt(client, JANE_EMAIL, PASSWORD) == "throttled"
    clock.advance(timedelta(seconds=1))
    assert attempt(client, JANE_EMAIL, PASSWORD) == "in"


def test_guesses_from_200_addresses_still_lock_the_account(client, session, jane) -> None:
    outcomes = [
        attempt(client, JANE_EMAIL, "guess", addr=f"10.{n // 250}.{n % 250}.1") for n in range(200)
    ]
    assert outcomes.count("wrong") == MAX_PER_EMAIL
    assert attempt(client, JANE_EMAIL, PASSWORD, addr="192.0.2.200") == "throttled"


def test_the_email_is_matched_however_it_is_typed(client, session, jane) -> None:
    for variant in (
        JANE_EMAIL.upper(),
        f"  {JANE_EMAIL}  ",
        JANE_EMAIL.title(),
        JANE_EMAIL,
        "Jane@BlueRidgeBakery.example",
    ):
        assert attempt(client, variant, "guess", addr=ELSEWHERE) == "wrong"
    assert attempt(client, JANE_EMAIL, PASSWORD, addr="192.0.2.1") == "throttled"


def test_200_guesses_over_50_accounts_lock_the_address(client, session, clock, directory) -> None:
    emails = [f"user{n}@bakery.example" for n in range(50)]
    session.add_all(
        User(
            email=e,
            name=e,
            role="client_user",
            client_id=directory["bakery"].id,
            password_hash=_HASH,
            active=True,
            session_version=1,
        )
        for e in emails
    )
    session.commit()
    outcomes = [attempt(client, emails[n % 50], f"guess {n}") for n in range(200)]
    assert outcomes[:MAX_PER_ADDRESS] == ["wrong"] * MAX_PER_ADDRESS
    assert set(outcomes[MAX_PER_ADDRESS:]) == {"throttled"}
    assert recorded(session, remote_addr=ATTACKER) == MAX_PER_ADDRESS
    # From that address even a right password waits; from another one it works (each
    # account saw at most one failure, far below its own limit).
    assert attempt(client, emails[0], PASSWORD) == "throttled"
    assert attempt(client, emails[0], PASSWORD, addr=ELSEWHERE) == "in"
    clock.advance(LOCK)
    assert attempt(client, emails[1], PASSWORD) == "in"


def test_a_spoofed_forwarded_for_does_not_escape_the_lock(client, session, jane) -> None:
    """TRUST_PROXY_HOPS=0: X-Forwarded-For is the client's own claim, and is ignored."""
    assert client.application.config["SETTINGS"].trust_proxy_hops == 0
    outcomes = [
        attempt(client, f"nobody{n}@example.com", "guess", **{"X-Forwarded-For": f"10.9.{n}.1"})
        for n in range(60)
    ]
    assert outcomes.count("wrong") == MAX_PER_ADDRESS
    assert recorded(session, remote_addr=ATTACKER) == MAX_PER_ADDRESS
    assert attempt(client, JANE_EMAIL, PASSWORD, **{"X-Forwarded-For": ELSEWHERE}) == "throttled"


def test_behind_one_proxy_only_the_address_it_saw_counts(
    settings, database, clock, session, jane
) -> None:
    """TRUST_PROXY_HOPS=1: the proxy appends the real address; what the client put in
    front of it is ignored."""
    app = drill_app(settings, database, clock, trust_proxy_hops=1)
    client = app.test_client()
    proxy = "10.0.0.2"  # the proxy's own address, as the app sees the connection
    outcomes = [
        attempt(
            client,
            f"nobody{n}@example.com",
            "guess",
            addr=proxy,
            **{
                "X-Forwarded-For": f"10.9.{n}.1, {ATTACKER}",
                "X-Forwarded-Proto": "https",
                "Referer": SAME_SITE,
            },
        )
        for n in range(60)
    ]
    assert outcomes.count("wrong") == MAX_PER_ADDRESS
    assert recorded(session, remote_addr=ATTACKER) == MAX_PER_ADDRESS
    assert recorded(session, remote_addr=proxy) == 0
    honest = {"X-Forwarded-For": ELSEWHERE, "X-Forwarded-Proto": "https", "Referer": SAME_SITE}
    assert attempt(client, JANE_EMAIL, PASSWORD, addr=proxy, **honest) == "in"


def test_the_lock_tells_nothing_about_which_accounts_exist(client, session, jane) -> None:
    """Existing and unknown emails get the same answers, word for word, locked or not."""
    answers: dict[str, list[tuple[int, str]]] = {JANE_EMAIL: [], "nobody@example.com": []}
    for email in answers:
        for n in range(MAX_PER_EMAIL + 2):
            response = client.post(
                "/login",
                data={
                    "email": email,
                    "password": f"guess {n}",
                    "csrf_token": session_csrf_token(client),
                },
                environ_base={"REMOTE_ADDR": f"192.0.2.{n}"},
            )
            body = response.get_data(as_text=True).replace(email, "EMAIL")
            body = re.sub(r'name="csrf_token"[^>]*>', "", body)
            answers[email].append((response.status_code, body))
    assert answers[JANE_EMAIL] == answers["nobody@example.com"]
    assert THROTTLED in answers[JANE_EMAIL][-1][1]


def test_the_window_is_fifteen_minutes(client, session, clock, jane) -> None:
    for _ in range(MAX_PER_EMAIL - 1):
        assert attempt(client, JANE_EMAIL, "guess") == "wrong"
    clock.advance(WINDOW)  # the four are now too old to count with a fifth
    assert attempt(client, JANE_EMAIL, "guess") == "wrong"
    assert attempt(client, JANE_EMAIL, PASSWORD) == "in"
    for _ in range(MAX_PER_EMAIL - 2):
        clock.advance(timedelta(minutes=3))
        assert attempt(client, JANE_EMAIL, "guess") == "wrong"
    clock.advance(timedelta(minutes=2, seconds=59))
    # Five failures within 15 minutes (the one before the success counts too): locked.
    assert attempt(client, JANE_EMAIL, "guess") == "wrong"
    assert attempt(client, JANE_EMAIL, PASSWORD) == "throttled"
