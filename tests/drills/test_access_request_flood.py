"""A script cannot fill the staff's queue through the public access form: a few requests
per address an hour and a cap over all addresses, then 429 with a page that says to call,
and nothing written; the console lists what waits a page at a time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from intake.config import ConfigError, load_settings
from tests.support.forms import post, session_csrf_token
from tests.support.logins import as_staff
from tests.support.pages import html_of
from tests.support.rows import count_rows
from tests.support.users import make_user
from ticketing.accounts.access_limits import DEFAULT_LIMITS, address_key
from ticketing.accounts.models import AccessRequest, AccessRequestAttempt
from ticketing.models import OutboxMessage

PER_ADDRESS, OVERALL = DEFAULT_LIMITS.per_address, DEFAULT_LIMITS.overall


def _ask(client: FlaskClient, n: int, address: str = "203.0.113.7", email: str = ""):
    """One submission of the form from `address` (a new requester each time)."""
    form = {
        "name": f"Requester {n}",
        "company": "Spam LLC",
        "email": email or f"r{n}@spam.example",
        "csrf_token": session_csrf_token(client),
    }
    return client.post("/request-access", data=form, environ_base={"REMOTE_ADDR": address})


def _stored(session: Session) -> int:
    session.expire_all()
    return count_rows(session, AccessRequest)


def test_a_hundred_requests_from_one_address_store_only_a_few(client, session, settings, directory):
    answers = [_ask(client, n) for n in range(100)]
    assert _stored(session) == PER_ADDRESS
    assert [a.status_code for a in answers] == [302] * PER_ADDRESS + [429] * (100 - PER_ADDRESS)
    refused = html_of(answers[-1], 429)
    assert "call us" in refused.lower() and f'href="tel:{settings.twilio_voice_number}"' in refused
    assert answers[-1].headers["Retry-After"] == "3600"
    # Another address is not held up by this one.
    assert _ask(client, 999, address="198.51.100.20").status_code == 302


def test_a_refusal_writes_nothing(client, session, directory):
    make_user(session, "jane@blueridgebakery.example", client=directory["bakery"])
    for n in range(PER_ADDRESS):
        _ask(client, n)
    before = [count_rows(session, m) for m in (AccessRequest, AccessRequestAttempt, OutboxMessage)]
    # Not even the "you already have an account" email.
    assert _ask(client, 99, email="jane@blueridgebakery.example").status_code == 429
    session.expire_all()
    after = [count_rows(session, m) for m in (AccessRequest, AccessRequestAttempt, OutboxMessage)]
    assert after == before


def test_requests_for_existing_accounts_count_the_same(client, session, directory):
    # Otherwise the moment the form says "call us" would tell which addresses have accounts.
    make_user(session, "jane@blueridgebakery.example", client=directory["bakery"])
    for n in range(PER_ADDRESS):
        assert _ask(client, n, email="jane@blueridgebakery.example").status_code == 302
    assert _ask(client, 99).status_code == 429
    assert _stored(session) == 0


def test_many_addresses_meet_the_overall_cap(client, session, directory):
    answers = [_ask(client, n, address=f"10.0.{n // 200}.{n % 200 + 1}") for n in range(80)]
    assert _stored(session) == OVERALL
    assert all(a.status_code == 429 for a in answers[OVERALL:])


def test_one_ipv6_network_counts_as_one_address(client, session, directory):
    for n in range(PER_ADDRESS):
        assert _ask(client, n, address=f"2001:db8:1:2::{n + 1:x}").status_code == 302
    assert _ask(client, 99, address="2001:db8:1:2:ffff::1").status_code == 429
    assert _ask(client, 100, address="2001:db8:1:3::1").status_code == 302
    assert address_key("::ffff:203.0.113.7") == "203.0.113.7"


def test_the_hour_passes_and_requests_are_taken_again(client, session, clock, directory):
    for n in range(PER_ADDRESS + 3):
        _ask(client, n)
    clock.advance(timedelta(hours=1, seconds=1))
    assert _ask(client, 100).status_code == 302
    # Attempts older than the hour are not kept.
    session.expire_all()
    assert count_rows(session, AccessRequestAttempt) == 1


class TestConfiguredLimits:
    """ACCESS_REQUESTS_PER_ADDRESS and ACCESS_REQUESTS_PER_HOUR."""

    @pytest.fixture
    def settings(self, settings):
        """The tests' settings with tighter limits."""
        return settings.with_overrides(access_requests_per_address=2, access_requests_per_hour=3)

    def test_the_settings_are_the_limits(self, client, session, directory):
        assert [_ask(client, n).status_code for n in range(3)] == [302, 302, 429]
        assert _ask(client, 10, address="198.51.100.1").status_code == 302
        assert _ask(client, 11, address="198.51.100.2").status_code == 429
        assert _stored(session) == 3


def test_limits_are_read_and_checked_at_start_up(tmp_path) -> None:
    env = {"INTAKE_INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "k" * 32}
    env["TWILIO_AUTH_TOKEN"] = "a-real-looking-auth-token"
    found = load_settings({**env, "ACCESS_REQUESTS_PER_ADDRESS": "3"})
    assert (found.access_requests_per_address, found.access_requests_per_hour) == (3, 50)
    for bad in ({"ACCESS_REQUESTS_PER_ADDRESS": "0"}, {"ACCESS_REQUESTS_PER_HOUR": "2"}):
        with pytest.raises(ConfigError, match="ACCESS_REQUESTS_PER"):
            load_settings({**env, **bad})
    with pytest.raises(ConfigError, match="whole number"):
        load_settings({**env, "ACCESS_REQUESTS_PER_HOUR": "lots"})


def test_the_console_lists_waiting_requests_a_page_at_a_time(client, session, clock, directory):
    for n in range(23):
        session.add(
            AccessRequest(
                name=f"Requester {n:02d}",
                company="Spam LLC",
                email=f"r{n}@spam.example",
                created_at=clock() + timedelta(minutes=n),
            )
        )
    session.commit()
    as_staff(client, session)
    first = html_of(client.get("/console/clients"))
    assert first.count('class="card access-request"') == 10
    assert "Requester 00" in first and "Requester 10" not in first
    assert "Page 1 of 3" in first and "requests_page=2" in first
    last = html_of(client.get("/console/clients?requests_page=3"))
    assert last.count('class="card access-request"') == 3 and "Requester 22" in last
    for garbage in ("0", "-1", "x", "9" * 40, "99"):
        page = html_of(client.get(f"/console/clients?requests_page={garbage}"))
        assert page.count('class="card access-request"') in (10, 3)
    # Approving from a later page works like from the first.
    request = session.query(AccessRequest).filter_by(email="r22@spam.example").one()
    path = f"/console/access-requests/{request.id}/approve"
    assert post(client, path, {"account": "1001"}).status_code == 302
