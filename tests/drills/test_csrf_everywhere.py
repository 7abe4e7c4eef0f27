"""Every POST route of the portal, the console and the log-in pages, posted by someone
entitled to it but with the CSRF token missing, wrong, expired or taken from another
session: 400 and nothing changed. The same post with the right token goes through,
which proves each refusal was the token's doing."""

from __future__ import annotations

import time
from typing import Any

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from werkzeug.routing import Rule

from tests.support.forms import session_csrf_token
from tests.support.intruders import (
    CSRF_REFUSALS,
    FORMS,
    Intruders,
    build_intruders,
    changed_tables,
    rule_url,
    snapshot,
    swept_rules,
)
from tests.support.logins import log_in
from ticketing.accounts.credentials import issue_link
from ticketing.firm import Firm

CSRF_EXEMPT = {"stripe_webhook.stripe_event"}  # signed by Stripe instead
# Auth pages a stranger posts to; logout is posted by a logged-in person.
STRANGER_FORMS = {"auth.login", "auth.request_access", "auth.forgot_password"}
# At least this many of the good posts must really change something.
MIN_CHANGING = 18


class _YesterdaySigner(TimestampSigner):
    def get_timestamp(self) -> int:
        return int(time.time()) - 24 * 3600


@pytest.fixture
def world(app, session, directory, phone, twilio, clock) -> Intruders:
    app.config["WTF_CSRF_ENABLED"] = True
    return build_intruders(session, directory, phone, twilio, clock)


def _post_rules(app: Any) -> list[Rule]:
    rules = [r for r in swept_rules(app) if "POST" in r.methods and r.endpoint not in CSRF_EXEMPT]
    return [r for r in rules if r.endpoint != "static"]


def _values(rule: Rule, world: Intruders, link_token: str) -> dict[str, Any]:
    portal = world.portal
    by_name = {
        "number": portal.help_desk.number,
        "invoice_id": world.bakery.invoices[0],
        "client_id": world.bakery.client_id,
        "request_id": world.access_request_id,
        "override_id": world.override_id,
        "kind": "user",
        "person_id": world.dora.id,
        "user_id": world.dora.id,
        "token": link_token,
    }
    if rule.endpoint == "console.schedule":
        return {"number": portal.professional.number}
    if rule.endpoint == "console.technician_availability":
        return {"kind": "technician", "person_id": portal.emergency.acknowledged_by_id}
    if rule.endpoint.startswith("console.billing_"):
        return {"number": world.draft_invoice}
    return {name: by_name[name] for name in rule.arguments}


def _client_for(app: Any, world: Intruders, endpoint: str) -> Any:
    client = app.test_client()
    if endpoint.startswith("console."):
        return log_in(client, world.portal.staff)
    if endpoint.startswith("portal.") or endpoint == "auth.logout":
        return log_in(client, world.portal.alice)
    return client  # a stranger: log in, ask for access or a reset, use a link


def _forgeries(app: Any, client: Any) -> dict[str, str | None]:
    """CSRF tokens an attacker could put in a forged form."""
    other = app.test_client()
    theirs = session_csrf_token(other)  # a good token, of another browser's session
    raw = "0" * 40
    wrong_key = URLSafeTimedSerializer("not-our-secret", salt="wtf-csrf-token").dumps(raw)
    mine_raw = _session_raw(client)
    expired = URLSafeTimedSerializer(
        app.config["SECRET_KEY"], salt="wtf-csrf-token", signer=_YesterdaySigner
    ).dumps(mine_raw)
    return {
        "missing": None,
        "empty": "",
        "garbage": "garbage",
        "other session": theirs,
        "other secret": wrong_key,
        "expired": expired,
    }


def _session_raw(client: Any) -> str:
    session_csrf_token(client)  # gives the session its own token first
    with client.session_transaction() as stored:
        return stored["csrf_token"]


def _refused_for_csrf(response: Any) -> bool:
    body = response.get_data(as_text=True)
    return response.status_code == 400 and any(reason in body for reason in CSRF_REFUSALS)


def test_every_post_needs_the_sessions_own_csrf_token(
    app, world, session, connection, clock
) -> None:
    link = issue_link(
        session, world.portal.carol, "set", now=clock(), firm=Firm(name="", base_url="")
    )
    session.commit()
    link_token = link.rsplit("/", 1)[1]
    rules = _post_rules(app)
    assert len(rules) >= 30
    changing = 0
    for rule in rules:
        url = rule_url(app, rule, _values(rule, world, link_token))
        data = dict(FORMS.get(rule.endpoint, {}))
        client = _client_for(app, world, rule.endpoint)
        before = snapshot(connection)
        for name, token in _forgeries(app, client).items():
            form = data if token is None else {**data, "csrf_token": token}
            response = client.post(url, data=form)
            assert _refused_for_csrf(response), (url, name, response.status_code)
        # A token sent in a header is checked the same way.
        headers = {"X-CSRFToken": "garbage"}
        assert _refused_for_csrf(client.post(url, data=data, headers=headers)), url
        assert changed_tables(before, snapshot(connection)) == [], url
        if rule.endpoint == "auth.logout":
            assert client.get("/login").status_code == 302  # still logged in
        good = client.post(url, data={**data, "csrf_token": session_csrf_token(client)})
        assert not _refused_for_csrf(good), (url, good.status_code)
        changing += bool(changed_tables(before, snapshot(connection)))
    assert changing >= MIN_CHANGING


def test_a_session_without_any_token_is_refused(app, world, connection) -> None:
    """An attacker's page posting into a victim browser that never opened a form."""
    client = log_in(app.test_client(), world.portal.staff)
    someone_elses = session_csrf_token(app.test_client())
    before = snapshot(connection)
    response = client.post(
        "/console/calendar/closures",
        data={**FORMS["console.calendar_add_closure"], "csrf_token": someone_elses},
    )
    assert _refused_for_csrf(response)
    assert changed_tables(before, snapshot(connection)) == []


@pytest.mark.parametrize(
    ("referrer", "ok"),
    [
        ("https://intake.example.com/console/calendar", True),
        (None, False),
        ("https://evil.example.com/console/calendar", False),
        ("http://intake.example.com/console/calendar", False),
        ("https://intake.example.com.evil.example/console/calendar", False),
    ],
)
def test_over_https_the_referrer_must_be_this_site(app, world, connection, referrer, ok) -> None:
    """Flask-WTF's strict check: over https a good token also needs a same-origin Referer."""
    firm = "https://intake.example.com"
    client = log_in(app.test_client(), world.portal.staff, base_url=firm)
    headers = {"Referer": referrer} if referrer else {}
    before = snapshot(connection)
    response = client.post(
        "/console/calendar/closures",
        data={
            **FORMS["console.calendar_add_closure"],
            "csrf_token": session_csrf_token(client, base_url=firm),
        },
        headers=headers,
        base_url=firm,
    )
    assert _refused_for_csrf(response) is not ok, response.status_code
    assert bool(changed_tables(before, snapshot(connection))) is ok


def test_no_get_changes_anything(app, world, connection) -> None:
    """CSRF guards POSTs only, so every GET must be safe: open every page as staff, as a
    company administrator and as a stranger, and compare the whole database."""
    before = snapshot(connection)
    people = [world.portal.staff, world.portal.alice, world.portal.carol, None]
    opened = 0
    for person in people:
        client = log_in(app.test_client(), person) if person else app.test_client()
        for rule in swept_rules(app):
            if "GET" not in rule.methods or rule.endpoint == "static":
                continue
            url = rule_url(app, rule, _values(rule, world, "not-a-real-token"))
            status = client.get(url).status_code
            # The health check's 503 is its answer (no scheduler beats here), not a fault.
            assert status < 500 or (rule.endpoint == "public.healthz" and status == 503), url
            opened += 1
    assert opened >= 4 * 25
    assert changed_tables(before, snapshot(connection)) == []
