"""The service in this process: the app on a migrated, seeded database with a frozen
clock, and a client that plays virtual callers through Flask's test client instead of a
socket (so a profiler sees only the service's own work)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from bench.calls.seed import BUSINESS_ZONE, CallSeed, seed_calls
from bench.harness import ACCOUNT_SID, AUTH_TOKEN, SMS_FROM, SUPPORT_LINE
from bench.load import Answer, Signer, prepare
from intake.app import create_app
from intake.clock import FrozenClock
from intake.config import Settings
from intake.db import Database, upgrade

# What Twilio signs against; the test client never connects to it.
PUBLIC_BASE_URL = "https://intake.bench.invalid"
# A Tuesday without a public holiday: the seed closes it (and the next day), so a call
# then is an emergency as in `python -m bench`; a week later is an ordinary business day.
CLOSED_MOMENT = datetime(2026, 3, 10, 10, 30, tzinfo=BUSINESS_ZONE)
OPEN_MOMENT = datetime(2026, 3, 17, 10, 30, tzinfo=BUSINESS_ZONE)


class WsgiTransport:
    """`bench.load.Client`'s interface over Flask's test client, for `VirtualCaller`."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def post(self, signer: Signer, path: str, params: Mapping[str, str]) -> Answer:
        """Sign and POST `params` to `path` through the WSGI app."""
        request = prepare(signer, path, params)
        started = time.perf_counter()
        response = self.client.post(path, data=request.body, headers=request.headers)
        return Answer(response.status_code, response.data, time.perf_counter() - started)

    def close(self) -> None:
        """Nothing to close: there is no connection."""


@dataclass
class InProcessService:
    """The app, its database and clock, the seeded data and a signer for its URL."""

    app: Flask
    database: Database
    clock: FrozenClock
    seed: CallSeed
    signer: Signer

    def transport(self) -> WsgiTransport:
        """A fresh client for virtual callers."""
        return WsgiTransport(self.app.test_client())

    def close(self) -> None:
        """Release the database connections."""
        self.database.engine.dispose()


def settings_for(database_url: str, instance: Path) -> Settings:
    """The benchmark's settings (`bench/harness.py`'s), on `database_url`."""
    return Settings(
        instance_path=instance,
        database_url=database_url,
        secret_key="bench-secret-key-of-at-least-32-chars",
        public_base_url=PUBLIC_BASE_URL,
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        twilio_voice_number=SUPPORT_LINE,
        twilio_sms_from=SMS_FROM,
        twilio_api_base_url="https://api.twilio.invalid",
    )


def start_service(database_url: str, instance: Path, *, clients: int) -> InProcessService:
    """Migrate and seed an empty database, then build the app on it (clock at CLOSED_MOMENT)."""
    upgrade(database_url)
    seed = seed_calls(database_url, clients=clients, now=CLOSED_MOMENT)
    settings = settings_for(database_url, instance)
    database = Database(database_url, connect_deadline=settings.database_connect_timeout)
    clock = FrozenClock(CLOSED_MOMENT)
    app = create_app(settings, database=database, clock=clock)
    return InProcessService(app, database, clock, seed, Signer(PUBLIC_BASE_URL, AUTH_TOKEN))
