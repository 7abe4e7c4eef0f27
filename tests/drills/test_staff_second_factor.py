"""Staff two-step login under attack: a stolen password opens no console page, six digits
cannot be guessed (the login throttle counts wrong codes), a code seen once is worthless,
a recovery code works once; a lost phone is reset by a colleague or the command line; a
company's administrator may opt in. ticketing/accounts/second_factor.py has the rules."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.clock import FrozenClock
from portal_web.auth.second_factor import CODE_THROTTLED, REPLAYED, WRONG_CODE
from portal_web.auth.views import THROTTLED
from tests.support.cli import Intake, failed
from tests.support.forms import session_csrf_token
from tests.support.intruders import methods, rule_url, swept_rules
from tests.support.logins import CODE_PAGE, enter_code, is_logged_in, log_in
from tests.support.second_factor import TOTP_SECRET, code_at, current_code, enrol, wrong_code
from tests.support.users import PASSWORD, make_user
from ticketing.accounts.logins import LOCK, MAX_PER_ADDRESS, MAX_PER_EMAIL
from ticketing.accounts.models import User
from ticketing.accounts.second_factor import new_recovery_codes

STAFF = "sam@firm.example"
ATTACKER = "203.0.113.9"
ENROL_PAGE = "/login/enrol"


def _password_only(app: Flask, email: str = STAFF, addr: str = ATTACKER) -> FlaskClient:
    """A browser that typed the right password and nothing else."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = addr
    answer = client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": session_csrf_token(client)},
    )
    assert answer.status_code == 302, answer.status_code
    return client


def _guess(client: FlaskClient, code: str) -> str:
    """One scripted code POST; the outcome."""
    answer = client.post(CODE_PAGE, data={"code": code, "csrf_token": session_csrf_token(client)})
    if answer.status_code == 302:
        return "in"
    for outcome, text in (("throttled", CODE_THROTTLED), ("replayed", REPLAYED)):
        if text in answer.text:
            return outcome
    assert WRONG_CODE in answer.text
    return "wrong"


def _console_urls(app: Flask) -> list[tuple[str, str]]:
    found = []
    for rule in swept_rules(app):
        if rule.rule.startswith("/console"):
            url = rule_url(app, rule, dict.fromkeys(rule.arguments, 1))
            found += [(method, url) for method in methods(rule)]
    return found


def test_a_password_alone_opens_no_console_page(app: Flask, session: Session) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    make_user(session, STAFF, role="staff")
    client = _password_only(app)
    urls = _console_urls(app)
    assert len(urls) >= 35
    for method, url in urls:
        data = {"csrf_token": session_csrf_token(client)}
        answer = client.get(url) if method == "GET" else client.post(url, data=data)
        assert answer.status_code == 302 and answer.location == CODE_PAGE, (method, url)
    assert not is_logged_in(client)


def test_staff_without_a_factor_reach_nothing_but_the_enrolment(
    app: Flask, session: Session, clock: FrozenClock
) -> None:
    make_user(session, STAFF, role="staff", second_factor=False)
    client = _password_only(app)
    for method, url in _console_urls(app):
        data = {"csrf_token": session_csrf_token(client)}
        answer = client.get(url) if method == "GET" else client.post(url, data=data)
        assert answer.location == ENROL_PAGE, (method, url)
    page = client.get(ENROL_PAGE).text
    assert 'src="data:image/svg+xml' in page  # the QR code, inline
    secret = re.search(r'id="second-factor-secret">([A-Z2-7 ]+)<', page).group(1)  # type: ignore[union-attr]
    token = session_csrf_token(client)
    code = code_at(clock(), secret.replace(" ", ""))
    done = client.post(ENROL_PAGE, data={"code": code, "csrf_token": token})
    assert done.status_code == 200 and "recovery codes" in done.text
    assert client.get("/console/").status_code == 200


def test_guessing_codes_locks_the_account_like_guessing_passwords(
    app: Flask, session: Session, clock: FrozenClock
) -> None:
    make_user(session, STAFF, role="staff")
    client = _password_only(app)
    outcomes = [_guess(client, wrong_code(clock())) for _ in range(50)]
    assert outcomes[:MAX_PER_EMAIL] == ["wrong"] * MAX_PER_EMAIL
    assert set(outcomes[MAX_PER_EMAIL:]) == {"throttled"}
    assert _guess(client, current_code(app)) == "throttled"  # even the right code
    # The password is locked as well, from anywhere: a new session cannot start over.
    other = app.test_client()
    answer = other.post(
        "/login",
        data={"email": STAFF, "password": PASSWORD, "csrf_token": session_csrf_token(other)},
    )
    assert THROTTLED in answer.text
    clock.advance(LOCK)
    assert _guess(_password_only(app, addr="192.0.2.50"), current_code(app)) == "in"


def test_guessing_codes_across_accounts_locks_the_address(app: Flask, session: Session) -> None:
    for n in range(MAX_PER_ADDRESS + 1):
        make_user(session, f"staff{n}@firm.example", role="staff")
    outcomes = []
    for n in range(MAX_PER_ADDRESS):
        client = _password_only(app, f"staff{n}@firm.example")
        outcomes.append(_guess(client, wrong_code(app.extensions["clock"]())))
    assert outcomes == ["wrong"] * MAX_PER_ADDRESS  # one wrong code per account
    # The address is locked now: the next account's right password is refused there.
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ATTACKER
    data = {"email": f"staff{MAX_PER_ADDRESS}@firm.example", "password": PASSWORD}
    answer = client.post("/login", data={**data, "csrf_token": session_csrf_token(client)})
    assert THROTTLED in answer.text


def test_a_code_seen_over_a_shoulder_is_worthless_once_used(app: Flask, session: Session) -> None:
    make_user(session, STAFF, role="staff")
    code = current_code(app)
    assert _guess(_password_only(app, addr="192.0.2.1"), code) == "in"
    thief = _password_only(app)
    assert _guess(thief, code) == "replayed"
    assert _guess(thief, code_at(app.extensions["clock"](), steps=-1)) == "replayed"
    assert not is_logged_in(thief)


def test_a_recovery_code_works_once(app: Flask, session: Session, clock: FrozenClock) -> None:
    sam = make_user(session, STAFF, role="staff")
    codes = new_recovery_codes(session, sam, now=clock())
    session.commit()
    assert _guess(_password_only(app), codes[0]) == "in"
    assert _guess(_password_only(app), codes[0]) == "wrong"
    assert _guess(_password_only(app), codes[1].upper().replace("-", " ")) == "in"


def test_a_colleague_resets_a_lost_phone_in_the_console(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    sam = make_user(session, STAFF, role="staff")
    colleague = log_in(app.test_client(), make_user(session, "pat@firm.example", role="staff"))
    sams = log_in(app.test_client(), sam)
    url = f"/console/users/{sam.id}/second-factor/reset"
    assert colleague.post(url).status_code == 400  # no CSRF token: refused
    done = colleague.post(url, data={"csrf_token": session_csrf_token(colleague)})
    assert done.status_code == 302
    assert not is_logged_in(sams)
    assert log_in(client, STAFF).location == ENROL_PAGE


def test_the_command_line_resets_a_second_factor(tmp_path: Path) -> None:
    cli = Intake(tmp_path, migrate=True, SECRET_KEY="a-test-secret-key-of-32-characters")
    try:
        with cli.database.transaction() as db_session:
            enrol(db_session, make_user(db_session, STAFF, role="staff"), TOTP_SECRET)
        out = cli.ok("users", "reset-2fa", STAFF.upper())
        assert "reset" in out and STAFF in out
        (sam,) = cli.read(select(User).where(User.email == STAFF))
        assert sam.totp_secret is None and sam.totp_confirmed_at is None
        assert sam.session_version == 2  # logged out everywhere
        failed(cli("users", "reset-2fa", "nobody@firm.example"), "no account", "nobody@firm")
        failed(cli("users", "reset-2fa", "not an email"), "not an email address")
        # The other user verbs still answer.
        assert cli("users", "add-staff", "--help").exit_code == 0
    finally:
        cli.close()


def test_an_administrator_may_opt_in_and_is_then_asked_for_the_code(
    app: Flask, client: FlaskClient, session: Session, directory: dict
) -> None:
    ada = make_user(session, "ada@bakery.example", role="client_admin", client=directory["bakery"])
    assert log_in(client, "ada@bakery.example").location == "/portal/"  # optional: no code
    enrol(session, ada)
    fresh = app.test_client()
    answer = log_in(fresh, "ada@bakery.example")  # the helper types the code it is asked for
    assert answer.location == "/portal/"
    stranger = _password_only(app, "ada@bakery.example")
    assert stranger.get("/portal/invoices").location == CODE_PAGE
    assert enter_code(stranger).location == "/portal/"
