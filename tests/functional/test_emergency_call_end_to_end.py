"""Saturday 23:10, the bakery's point of sale is down: the whole night, through real HTTP.

A live server runs the real app in sandbox mode with the real scheduler; a simulated
caller plays our TwiML like Twilio; the page leaves through twilio-python to the local
sandbox, whose signed delivery report comes back to /twilio/sms/status.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from intake.app import create_app
from intake.clock import SystemClock
from intake.config import SANDBOX_AUTH_TOKEN
from intake.db import Database
from intake.runtime import scheduler_for
from sandbox.demo.seed import seed_demo
from sandbox.twilio.caller import SimulatedCall
from ticketing.models import OutboxMessage, Ticket

pytestmark = pytest.mark.xdist_group("live")


def _wait_for(predicate: Callable[[], Any], seconds: float = 15.0) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out waiting")


@pytest.fixture
def live_service(settings, database_url, wipe_database) -> Iterator[dict[str, Any]]:
    """The app (sandbox mode) and its scheduler, serving on a free loopback port."""
    holder: dict[str, Any] = {}
    server = make_server(
        "127.0.0.1", 0, lambda env, start: holder["app"](env, start), threaded=True
    )
    base = f"http://127.0.0.1:{server.server_port}"
    live = settings.with_overrides(
        public_base_url=base,
        sandbox=True,
        twilio_api_base_url=base + "/sandbox/twilio",
        live_transfer=True,  # the simulated caller hears no answer, then leaves a message
    )
    database = Database(database_url)
    clock = SystemClock()
    app = holder["app"] = create_app(live, database=database, clock=clock)
    app.extensions["sandbox"].callback_delay = 0.2
    with database.transaction() as session:
        seed_demo(session, clock(), portal=False)  # one call, one ticket: no portal history
    scheduler = scheduler_for(live, database, clock, background=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    scheduler.start()
    try:
        yield {"base": base, "app": app, "database": database}
    finally:
        scheduler.shutdown(wait=True)
        server.shutdown()
        app.extensions["sandbox"].join()
        database.engine.dispose()


def test_saturday_night_emergency_pages_the_technician(live_service) -> None:
    heard: list[str] = []
    transcript = SimulatedCall(
        live_service["base"],
        SANDBOX_AUTH_TOKEN,
        from_number="+13365550123",
        at="2026-12-05 23:10",
        keys=["The point of sale is down, we cannot take cards", "1"],
        out=heard.append,
    ).run()

    spoken = " ".join(transcript.said)
    assert "emergency service, Blue Ridge Bakery" in spoken
    assert "Emergency rates apply" in spoken
    assert "being paged" in spoken
    assert transcript.hung_up

    database: Database = live_service["database"]
    with database.sessionmaker() as session:
        ticket = session.scalars(select(Ticket)).one()
        number = ticket.number
        assert ticket.classification_reason == "weekend"
        assert ticket.description == "The point of sale is down, we cannot take cards"
    assert f"Your ticket number is {' '.join(str(number))}" in spoken

    store = live_service["app"].extensions["sandbox"]
    sms = _wait_for(lambda: store.messages())
    assert len(sms) == 1
    assert sms[0].to == "+13365550101"  # Dana Whitfield, on call in the demo data
    assert f"EMERGENCY #{number}: Blue Ridge Bakery" in sms[0].body
    assert "point of sale is down" in sms[0].body

    def delivered() -> OutboxMessage | None:
        with database.sessionmaker() as session:
            page = session.scalars(select(OutboxMessage)).one()
            return page if page.delivery_status == "delivered" else None

    page = _wait_for(delivered)
    assert page.status == "sent" and page.provider_sid == sms[0].sid
    kinds = _kinds(database, number)
    for step in ("call_received", "classified", "caller_identified", "recording", "transcription"):
        assert step in kinds
    assert kinds.index("paged") < kinds.index("page_sent") < kinds.index("page_delivered")


def _kinds(database: Database, number: int) -> list[str]:
    with database.sessionmaker() as session:
        return [e.kind for e in session.get(Ticket, number).events]


def test_technician_acknowledges_from_the_terminal(live_service, monkeypatch, tmp_path) -> None:
    """The demo's `intake text` plays the technician's reply through real HTTP, signed."""

    from tests.support.cli import invoke

    SimulatedCall(
        live_service["base"],
        SANDBOX_AUTH_TOKEN,
        from_number="+13365550123",
        at="2026-12-05 23:10",
        keys=["Card reader offline", "1"],
        out=lambda _line: None,
    ).run()
    database: Database = live_service["database"]
    number = _wait_for(lambda: _paged_ticket(database))
    monkeypatch.setenv("INTAKE_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", "a-test-secret-key-of-32-characters")
    result = invoke(
        "text", "--url", live_service["base"], "--from", "+13365550101", f"ack {number}"
    )
    assert result.exit_code == 0, result.output
    assert f"ACK #{number}" in result.output
    with database.sessionmaker() as session:
        ticket = session.get(Ticket, number)
        assert ticket.status == "acknowledged"
        assert ticket.acknowledged_by.name == "Dana Whitfield"
    bad = invoke("text", "--from", "555", "ack")
    assert bad.exit_code == 2 and "not a phone number" in bad.output


def _paged_ticket(database: Database) -> int | None:
    with database.sessionmaker() as session:
        ticket = session.scalars(select(Ticket)).one_or_none()
        return ticket.number if ticket is not None and ticket.paged_at else None
