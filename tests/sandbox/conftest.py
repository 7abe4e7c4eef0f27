"""The demo's sandbox app, logged in as staff, and the scheduler relaying through its fake
Twilio API (tests/support/sandbox.py's night, one tick at a time)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from intake.clock import FrozenClock
from intake.config import Settings
from intake.db import Database
from tests.support.logins import log_in
from tests.support.sandbox import Night, twilio_routed_to_sandbox
from tests.support.twilio import TwilioPoster
from tests.support.users import make_user

STAFF = "pat@accelerando.example"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The demo's settings: the local Twilio sandbox, and live transfer on as by default."""
    return settings.with_overrides(sandbox=True, live_transfer=True)


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


@pytest.fixture
def night(
    staff: FlaskClient, twilio: TwilioPoster, database: Database, clock: FrozenClock, app: Flask
) -> Iterator[Night]:
    """The scheduler's relay and escalation sweep, sending through the sandbox."""
    with twilio_routed_to_sandbox(staff):
        yield Night(staff, twilio, database, clock, app.extensions["sandbox"])
