"""Security headers on every kind of answer (portal, console, log-in pages, error pages):
a strict CSP, no sniffing, no framing, a referrer policy; HSTS only when the site is
served over https, never because a client claims so in a header."""

from __future__ import annotations

import re

import pytest

from tests.support.forms import session_csrf_token
from tests.support.intruders import drill_app
from tests.support.logins import log_in
from tests.support.users import make_user

REFERRER_POLICIES = {
    "no-referrer",
    "same-origin",
    "strict-origin",
    "strict-origin-when-cross-origin",
}
ONE_YEAR = 365 * 24 * 3600
_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


def csp(response) -> dict[str, list[str]]:
    """The Content-Security-Policy as {directive: sources}."""
    header = response.headers.get("Content-Security-Policy", "")
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = [w.lower() for w in words[1:]]
    return directives


def assert_safe_headers(response, what: str) -> None:
    policy = csp(response)
    assert policy, f"{what}: no Content-Security-Policy"
    scripts = policy.get("script-src", policy.get("default-src"))
    assert scripts, f"{what}: CSP allows scripts from anywhere"
    for unsafe in ("'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:"):
        assert unsafe not in scripts, f"{what}: script-src {unsafe}"
    assert policy.get("default-src") == ["'self'"], what
    assert policy.get("frame-ancestors") in (["'none'"], ["'self'"]), what
    assert policy.get("base-uri") in (["'none'"], ["'self'"]), what
    assert "form-action" in policy, what
    assert response.headers.get("X-Content-Type-Options") == "nosniff", what
    assert response.headers.get("X-Frame-Options") in ("DENY", "SAMEORIGIN"), what
    assert response.headers.get("Referrer-Policy") in REFERRER_POLICIES, what


@pytest.fixture
def people(session, directory):
    bakery = directory["bakery"]
    return {
        "admin": make_user(
            session, "alice@bakery.example", client=bakery, role="client_admin", name="Alice"
        ),
        "staff": make_user(session, "priya@firm.example", role="staff", name="Priya"),
    }


def _answers(app, people) -> dict[str, object]:
    """One answer of each kind: pages, forms, files, and the error pages."""
    stranger = app.test_client()
    admin = log_in(app.test_client(), people["admin"])
    staff = log_in(app.test_client(), people["staff"])
    return {
        "front page": stranger.get("/"),
        "health check": stranger.get("/healthz"),
        "login": stranger.get("/login"),
        "forgot password": stranger.get("/forgot-password"),
        "request access": stranger.get("/request-access"),
        "expired link (410)": stranger.get("/set-password/not-a-token"),
        "login redirect (302)": stranger.get("/portal/"),
        "not found (404)": stranger.get("/no-such-page"),
        "wrong method (405)": stranger.get("/logout"),
        "csrf refusal (400)": stranger.post("/login", data={"email": "a@b.example"}),
        "static file": stranger.get("/static/portal.css"),
        "portal home": admin.get("/portal/"),
        "portal tickets": admin.get("/portal/tickets"),
        "portal report csv": admin.get("/portal/reports.csv"),
        "portal 404": admin.get("/portal/tickets/999999"),
        "console board": staff.get("/console/"),
        "console billing": staff.get("/console/billing"),
        "console 404 for a client": admin.get("/console/"),
        "logout": staff.post("/logout", data={"csrf_token": session_csrf_token(staff)}),
    }


def test_every_kind_of_answer_carries_the_headers(app, people) -> None:
    answers = _answers(app, people)
    assert answers["portal home"].status_code == 200
    assert answers["console board"].status_code == 200
    assert answers["csrf refusal (400)"].status_code == 400
    for what, response in answers.items():
        assert_safe_headers(response, what)


def test_pages_have_no_inline_script_the_policy_would_block(app, people) -> None:
    for what, response in _answers(app, people).items():
        if not response.content_type.startswith("text/html"):
            continue
        html = response.get_data(as_text=True)
        assert not _INLINE_SCRIPT.search(html), what
        assert not _HANDLER.search(html), what


def test_an_unexpected_error_page_carries_them_too(settings, database, clock) -> None:
    app = drill_app(settings, database, clock)
    app.testing = False  # a real 500 page, not the exception raised into the test

    @app.get("/drill/boom")
    def boom() -> str:
        raise RuntimeError("boom")

    response = app.test_client().get("/drill/boom")
    assert response.status_code == 500
    assert_safe_headers(response, "server error (500)")
    assert "RuntimeError" not in response.get_data(as_text=True)


def _hsts(app, **kwargs) -> str | None:
    return app.test_client().get("/login", **kwargs).headers.get("Strict-Transport-Security")


@pytest.mark.parametrize(
    ("public_base_url", "hops", "request_kwargs", "expected"),
    [
        # A plain-http site (the local demo): never, whatever a client claims.
        ("http://127.0.0.1:5000", 0, {}, False),
        ("http://127.0.0.1:5000", 0, {"headers": {"X-Forwarded-Proto": "https"}}, False),
        ("http://127.0.0.1:5000", 0, {"headers": {"X-Forwarded-Ssl": "on"}}, False),
        # A trusted proxy that terminated TLS says so: yes.
        ("http://127.0.0.1:5000", 1, {"headers": {"X-Forwarded-Proto": "https"}}, True),
        ("http://127.0.0.1:5000", 1, {"headers": {"X-Forwarded-Proto": "http"}}, False),
        # TLS straight to the app.
        ("http://127.0.0.1:5000", 0, {"base_url": "https://127.0.0.1:5000"}, True),
        # The public origin is https: browsers only ever reach it over https.
        ("https://intake.example.com", 0, {}, True),
        ("https://intake.example.com", 1, {"headers": {"X-Forwarded-Proto": "https"}}, True),
    ],
)
def test_hsts_only_when_served_over_https(
    settings, database, clock, public_base_url, hops, request_kwargs, expected
) -> None:
    app = drill_app(
        settings, database, clock, public_base_url=public_base_url, trust_proxy_hops=hops
    )
    header = _hsts(app, **request_kwargs)
    if not expected:
        assert header is None
        return
    assert header is not None
    max_age = int(re.search(r"max-age=(\d+)", header).group(1))  # type: ignore[union-attr]
    assert max_age >= ONE_YEAR
