"""The console's phone simulator (sandbox mode only): a call placed from the browser,
one caller's answer at a time, through our own signed webhooks, and the technician's side."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from intake.app import create_app
from intake.config import Settings
from sandbox.phone.simulator import SimState, SimStore
from sandbox.twilio.caller import CallTranscript
from scheduler.relay import relay_due
from tests.support.forms import csrf_token, session_csrf_token
from tests.support.logins import log_in
from tests.support.users import make_user
from ticketing.models import Ticket

STAFF = "pat@accelerando.example"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The demo's settings: the app runs against the local Twilio sandbox."""
    return settings.with_overrides(sandbox=True)


@pytest.fixture
def app(app: Flask) -> Flask:
    """The sandbox app, its message delivery reports switched off (no network)."""
    app.extensions["sandbox"].deliver_callbacks = False
    return app


@pytest.fixture
def staff(client: FlaskClient, session: Session, directory: dict[str, Any]) -> FlaskClient:
    """The test client, logged in as a member of the firm's staff."""
    make_user(session, STAFF, role="staff", name="Pat Staff")
    assert log_in(client, STAFF).status_code == 302
    return client


class SandboxMessenger:
    """The relay's Messenger, posting to the sandbox's fake Twilio REST API in-process."""

    def __init__(self, client: FlaskClient, settings: Settings) -> None:
        self.client = client
        account = settings.twilio_account_sid
        self.base = f"/sandbox/twilio/2010-04-01/Accounts/{account}"
        raw = f"{account}:{settings.twilio_auth_token}".encode()
        self.headers = {"Authorization": "Basic " + base64.b64encode(raw).decode()}
        self.sms_from = settings.twilio_sms_from

    def _create(self, what: str, form: dict[str, str]) -> str:
        answer = self.client.post(f"{self.base}/{what}.json", data=form, headers=self.headers)
        assert answer.status_code == 201, answer.text
        return str(answer.json["sid"])

    def send_sms(self, to: str, body: str, *, status_callback: str | None = None) -> str:
        """Send one SMS through the sandbox."""
        return self._create("Messages", {"To": to, "From": self.sms_from, "Body": body})

    def place_call(self, to: str, url: str, **_options: Any) -> str:
        """Place one voice page through the sandbox."""
        return self._create("Calls", {"To": to, "From": self.sms_from, "Url": url})

    def redirect_call(self, call_sid: str, url: str) -> str:
        """Redirecting a live call is not part of these tests."""
        raise AssertionError("no live call is redirected here")


def _press(client: FlaskClient, page: TestResponse, **form: str) -> TestResponse:
    """Submit the simulator's answer form on `page` and follow to the next page."""
    action = re.search(r'action="([^"]*/answer)"', page.text)
    assert action, page.text
    data = {**form, "csrf_token": csrf_token(page.text)}
    return client.post(action.group(1), data=data, follow_redirects=True)


def _start(client: FlaskClient, caller: str = "+13365550123", at: str = "") -> TestResponse:
    page = client.get("/console/phone")
    data = {"caller": caller, "at": at, "csrf_token": csrf_token(page.text)}
    return client.post("/console/phone", data=data, follow_redirects=True)


def _tickets(session: Session) -> list[Ticket]:
    stmt = select(Ticket).order_by(Ticket.id).execution_options(populate_existing=True)
    return list(session.scalars(stmt))


def test_an_after_hours_call_ends_in_a_ticket_and_a_page(
    staff: FlaskClient, app: Flask, session: Session, database: Any, clock: Any, settings: Settings
) -> None:
    page = _start(staff)  # Saturday 23:10: after hours
    assert "emergency service, Blue Ridge Bakery" in page.text
    assert 'name="speech"' in page.text  # the recording waits for what the caller says
    page = _press(staff, page, action="say", speech="The point of sale is down <b>now</b>")
    assert "Caller</span> says: The point of sale is down &lt;b&gt;now&lt;/b&gt;" in page.text
    assert "<b>now" not in page.text
    assert "Press 1 to confirm" in page.text and 'aria-label="Keypad"' in page.text
    page = _press(staff, page, action="keys", key="1")
    assert 'id="phone-ended"' in page.text

    [ticket] = _tickets(session)
    assert ticket.service_class == "emergency" and ticket.caller_number == "+13365550123"
    assert "point of sale is down" in (ticket.description or "")
    # The ticket number, read back digit by digit.
    assert f"Your ticket number is {' '.join(str(ticket.id))}" in page.text

    # The scheduler's relay sends the page through the sandbox's fake Twilio API.
    report = relay_due(
        database.sessionmaker, SandboxMessenger(staff, settings), clock(), status_callback_url=None
    )
    assert report.total >= 1
    page = staff.get(page.request.path)
    assert "To (336) 555-0101" in page.text  # Dana, on call, is paged by SMS
    assert f"#{ticket.id}" in page.text or str(ticket.id) in page.text.split('id="phone-sms"')[1]


def test_the_technician_acknowledges_from_the_simulator(
    staff: FlaskClient, session: Session, directory: dict[str, Any]
) -> None:
    page = _start(staff)
    page = _press(staff, page, action="say", speech="Nothing prints")
    page = _press(staff, page, action="keys", key="1")
    [ticket] = _tickets(session)
    form = {
        "technician": str(directory["dana"].id),
        "body": f"ACK {ticket.id}",
        "csrf_token": csrf_token(page.text),
    }
    reply = staff.post(page.request.path + "/reply", data=form, follow_redirects=True)
    assert f"Dana Whitfield:</strong> ACK {ticket.id}" in reply.text
    [ticket] = _tickets(session)
    assert ticket.acknowledged_by_id == directory["dana"].id


def test_a_business_hours_call_hears_the_menu_and_hangs_up(staff: FlaskClient, app: Flask) -> None:
    page = _start(staff, at="2026-12-07T10:00")  # a Monday morning
    assert "pretending it is 2026-12-07 10:00" in page.text
    assert 'aria-label="Keypad"' in page.text
    assert "emergency" in page.text.lower() and "Press" in page.text
    page = _press(staff, page, action="hangup")
    assert 'id="phone-ended"' in page.text and "the caller hangs up" in page.text
    assert "(caller)" in page.text


def test_anonymous_callers_are_allowed_and_bad_numbers_are_explained(staff: FlaskClient) -> None:
    page = _start(staff, caller="anonymous")
    assert "a withheld number" in page.text and "phone-log" in page.text
    page = _start(staff, caller="call me maybe")
    assert "is not a valid phone number" in page.text
    page = _start(staff, at="tomorrow-ish")
    assert "is not a date and time" in page.text


def test_an_unknown_or_expired_call_is_404(staff: FlaskClient) -> None:
    assert staff.get("/console/phone/nope").status_code == 404


def test_outside_the_sandbox_the_simulator_is_refused(
    settings: Settings, database: Any, clock: Any, session: Session
) -> None:
    live = create_app(settings.with_overrides(sandbox=False), database=database, clock=clock)
    live.config["TESTING"] = True
    client = live.test_client()
    make_user(session, STAFF, role="staff")
    log_in(client, STAFF)
    # Only the sandbox mounts the simulator: the production console has no such page.
    assert client.get("/console/phone").status_code == 404
    assert "Phone simulator" not in client.get("/console/").text
    form = {"caller": "+13365550123", "csrf_token": session_csrf_token(client)}
    refused = client.post("/console/phone", data=form)
    assert refused.status_code == 404


def test_the_simulator_forms_need_a_csrf_token(staff: FlaskClient) -> None:
    """Unlike the sandbox's fake Twilio API, its console pages are not exempt from CSRF."""
    form = {"caller": "+13365550123", "at": ""}
    assert staff.post("/console/phone", data=form).status_code == 400


def test_only_staff_reach_the_simulator(
    client: FlaskClient, session: Session, directory: dict[str, Any]
) -> None:
    assert client.get("/console/phone").status_code in (302, 401)
    bakery = directory["bakery"]
    make_user(session, "jane@blueridge.example", client=bakery, role="client_admin")
    log_in(client, "jane@blueridge.example")
    assert client.get("/console/phone").status_code == 404
    form = {"caller": "+13365550123", "csrf_token": session_csrf_token(client)}
    assert client.post("/console/phone", data=form).status_code == 404


def test_the_store_is_bounded_and_forgets_idle_calls() -> None:
    store = SimStore(limit=2, ttl=60)
    states = [_state(store.new_id()) for _ in range(3)]
    for state in states:
        store.put(state)
    assert store.get(states[0].id) is None and store.get(states[2].id) is states[2]
    states[1].touched -= 120
    store.put(states[2])
    assert store.get(states[1].id) is None


def _state(sim_id: str) -> SimState:
    return SimState(
        id=sim_id,
        from_number="anonymous",
        at=None,
        started_at=datetime.now(UTC),
        sms_since=0,
        calls_since=0,
        transcript=CallTranscript(call_sid="CA1"),
    )


def test_the_help_desk_queue_offers_a_message_or_giving_up(
    staff: FlaskClient, session: Session
) -> None:
    page = _start(staff, at="2026-12-07T10:00")  # a Monday morning: the menu
    page = _press(staff, page, action="keys", key="2")  # the help desk
    assert 'id="phone-queue"' in page.text and 'aria-label="Keypad"' in page.text
    page = _press(staff, page, action="keys", key="9")  # any key but the call-back one
    assert 'name="speech"' in page.text  # left the queue: a message is recorded
    page = _press(staff, page, action="say", speech="Printer jammed again")
    assert 'id="phone-ended"' in page.text or 'aria-label="Keypad"' in page.text
    assert any("Printer jammed" in (t.description or "") for t in _tickets(session))

    page = _start(staff, at="2026-12-07T10:05")
    page = _press(staff, page, action="keys", key="2")
    page = _press(staff, page, action="give-up")
    assert 'id="phone-ended"' in page.text and "(caller)" in page.text
