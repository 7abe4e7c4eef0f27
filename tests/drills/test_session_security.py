"""Stolen, planted and left-over session cookies: a cookie from before login never becomes
a login, logging out or changing the password makes every copy useless (the session and
the "keep me logged in" cookie alike), and the cookies carry the right flags."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient

from tests.support.forms import csrf_token, post_form, session_csrf_token
from tests.support.intruders import drill_app
from tests.support.logins import log_in, log_out
from tests.support.outbox import account_emails, link_path
from tests.support.people import JANE_EMAIL
from tests.support.users import PASSWORD

HOME = "/portal/"


def _cookie(client: FlaskClient, name: str = "session") -> str | None:
    found = client.get_cookie(name)
    return found.value if found else None


def _copy(client: FlaskClient, *names: str, **environ: str) -> FlaskClient:
    """Another browser holding copies of `client`'s cookies (same address and user agent
    unless `environ` says otherwise)."""
    thief = FlaskClient(client.application)
    thief.environ_base.update(environ)
    for name in names or ("session",):
        value = _cookie(client, name)
        if value is not None:
            thief.set_cookie(name, value)
    return thief


def _logged_in(client: FlaskClient) -> bool:
    response = client.get(HOME)
    if response.status_code == 200:
        return True
    assert response.status_code == 302 and "/login" in response.location
    return False


def _set_cookies(response, name: str) -> list[str]:
    return [c for c in response.headers.getlist("Set-Cookie") if c.startswith(name + "=")]


def test_a_cookie_from_before_login_never_becomes_a_login(client, jane) -> None:
    page = client.get("/login")
    planted = _cookie(client)
    assert planted is not None  # the login form's CSRF token lives in the session
    old_token = csrf_token(page.text)
    attacker = _copy(client)
    assert log_in(client, JANE_EMAIL).status_code == 302
    fresh = _cookie(client)
    assert fresh != planted
    assert _logged_in(client)
    assert not _logged_in(attacker)  # the planted cookie stays anonymous
    # And the CSRF token the attacker saw before login is useless after it.
    refused = client.post("/logout", data={"csrf_token": old_token})
    assert refused.status_code == 400 and _logged_in(client)


def test_values_planted_in_the_session_are_dropped_at_login(client, jane) -> None:
    with client.session_transaction() as stored:
        stored["_user_id"] = "999:1"  # someone else, in a cookie made before login
        stored["next_after_login"] = "https://evil.example/"
        stored["_fresh"] = True
    assert not _logged_in(client)  # a forged id that names nobody is nobody
    assert log_in(client, JANE_EMAIL).status_code == 302
    with client.session_transaction() as stored:
        assert stored["_user_id"] == jane.get_id()
        assert "next_after_login" not in stored


def test_logging_out_ends_every_copy_of_the_session(client, session, jane) -> None:
    assert log_in(client, JANE_EMAIL).status_code == 302
    copy = _copy(client)
    assert _logged_in(copy)  # a copy works while the session lives (same browser)
    assert log_out(client).status_code == 302
    assert not _logged_in(client)
    assert not _logged_in(copy)
    # Logging in again works, and the old copy stays dead.
    assert log_in(client, JANE_EMAIL).status_code == 302
    assert _logged_in(client) and not _logged_in(copy)


def test_logging_out_ends_the_keep_me_logged_in_cookie(client, jane) -> None:
    data = {"email": JANE_EMAIL, "password": PASSWORD, "remember": "y"}
    assert post_form(client, "/login", data).status_code == 302
    assert _cookie(client, "remember_token")
    only_remembered = _copy(client, "remember_token")
    assert _logged_in(only_remembered)  # the cookie alone logs in (that is its job)
    out = log_out(client)
    assert any("remember_token=;" in c for c in _set_cookies(out, "remember_token"))
    assert _cookie(client, "remember_token") is None
    assert not _logged_in(client)
    # A copy taken before logging out no longer logs anyone in.
    late = FlaskClient(client.application)
    late.set_cookie("remember_token", _cookie(only_remembered, "remember_token") or "")
    assert not _logged_in(late)


def test_a_password_reset_ends_copied_sessions_and_remember_cookies(client, session, jane) -> None:
    data = {"email": JANE_EMAIL, "password": PASSWORD, "remember": "y"}
    assert post_form(client, "/login", data).status_code == 302
    session_copy = _copy(client)
    remember_copy = _copy(client, "remember_token")
    other = FlaskClient(client.application)
    post_form(other, "/forgot-password", {"email": JANE_EMAIL})
    path = link_path(account_emails(session, to=JANE_EMAIL)[-1].body)
    new = "a different passphrase"
    assert post_form(other, path, {"password": new, "confirm": new}).status_code == 302
    assert _logged_in(other)  # the person who reset is logged in
    for stale in (client, session_copy, remember_copy):
        assert not _logged_in(stale)


def test_a_stolen_cookie_is_dropped_in_another_browser(client, jane) -> None:
    assert log_in(client, JANE_EMAIL).status_code == 302
    elsewhere = _copy(client, REMOTE_ADDR="198.51.100.66")
    other_agent = _copy(client, HTTP_USER_AGENT="Mozilla/5.0 (Thief)")
    assert not _logged_in(elsewhere)
    assert not _logged_in(other_agent)


def test_deactivating_an_account_ends_its_sessions(client, session, jane) -> None:
    data = {"email": JANE_EMAIL, "password": PASSWORD, "remember": "y"}
    assert post_form(client, "/login", data).status_code == 302
    remembered = _copy(client, "remember_token")
    jane.active = False
    session.commit()
    assert not _logged_in(client)
    assert not _logged_in(remembered)


def test_cookies_are_httponly_samesite_and_secure_over_https(client, jane) -> None:
    data = {"email": JANE_EMAIL, "password": PASSWORD, "remember": "y"}
    done = post_form(client, "/login", data)
    for name in ("session", "remember_token"):
        (cookie,) = _set_cookies(done, name)
        flags = [part.strip().lower() for part in cookie.split(";")]
        assert "httponly" in flags, cookie
        assert "secure" in flags, cookie
        assert "samesite=lax" in flags or "samesite=strict" in flags, cookie
        assert not any(flag.startswith("domain=") for flag in flags), cookie


def test_cookies_are_not_secure_on_a_plain_http_development_site(
    settings, database, clock, session, jane
) -> None:
    """Over plain http a Secure cookie would never come back: the local demo must work."""
    app = drill_app(settings, database, clock, public_base_url="http://127.0.0.1:5000")
    client = app.test_client()
    done = post_form(client, "/login", {"email": JANE_EMAIL, "password": PASSWORD, "remember": "y"})
    assert done.status_code == 302
    for name in ("session", "remember_token"):
        (cookie,) = _set_cookies(done, name)
        flags = [part.strip().lower() for part in cookie.split(";")]
        assert "httponly" in flags and "secure" not in flags, cookie
    assert client.get(HOME).status_code == 200


def test_the_remember_cookie_expires_and_logout_needs_a_post(client, jane) -> None:
    data = {"email": JANE_EMAIL, "password": PASSWORD, "remember": "y"}
    done = post_form(client, "/login", data)
    (cookie,) = _set_cookies(done, "remember_token")
    assert "expires=" in cookie.lower()  # a lasting cookie, but not a forever one
    assert client.application.config["REMEMBER_COOKIE_DURATION"] <= timedelta(days=30)
    # A link (GET) cannot log anyone out, nor can a post without the session's token.
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert (
        client.post(
            "/logout", data={"csrf_token": session_csrf_token(FlaskClient(client.application))}
        ).status_code
        == 400
    )
    assert _logged_in(client)
