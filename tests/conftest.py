"""Shared fixtures: a database built from the migrations, each test in a rolled-back
transaction; the app with a frozen clock; signed Twilio requests.

Set TEST_DATABASE_URL (postgresql+psycopg://...) to run the same suite on PostgreSQL.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session, sessionmaker
from twilio.request_validator import RequestValidator
from werkzeug.test import TestResponse

from intake.app import create_app
from intake.clock import FrozenClock
from intake.config import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN, Settings
from intake.db import Database, make_engine, upgrade
from ticketing.orm import Base

NY = ZoneInfo("America/New_York")
PUBLIC_BASE_URL = "https://intake.example.com"
AUTH_TOKEN = SANDBOX_AUTH_TOKEN


def local(text_moment: str) -> datetime:
    """A "YYYY-MM-DD HH:MM[:SS]" moment in the business time zone, as an aware datetime."""
    fmt = "%Y-%m-%d %H:%M:%S" if text_moment.count(":") == 2 else "%Y-%m-%d %H:%M"
    return datetime.strptime(text_moment, fmt).replace(tzinfo=NY)


def _reset_postgres(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The test database: TEST_DATABASE_URL (PostgreSQL) or a fresh SQLite file."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on a database built by running every migration."""
    eng = make_engine(database_url)
    if eng.dialect.name == "postgresql":
        _reset_postgres(eng)
    upgrade(database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction that is rolled back after the test."""
    conn = engine.connect()
    trans = conn.begin()
    try:
        yield conn
    finally:
        trans.rollback()
        conn.close()


@pytest.fixture
def database(connection: Connection, database_url: str) -> Database:
    """A Database whose sessions live inside the test's transaction (commits become savepoints)."""
    db = Database(database_url, engine=connection.engine)
    db.sessionmaker = sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )
    return db


@pytest.fixture
def session(database: Database) -> Iterator[Session]:
    """A session for arranging and checking data."""
    with database.sessionmaker() as s:
        yield s


@pytest.fixture
def clock() -> FrozenClock:
    """Saturday 5 December 2026, 23:10 in New York: an emergency moment."""
    return FrozenClock(local("2026-12-05 23:10"))


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Settings as a production deployment would have them, with sandbox credentials."""
    return Settings(
        instance_path=tmp_path,
        database_url=database_url,
        secret_key="test-secret",
        public_base_url=PUBLIC_BASE_URL,
        twilio_account_sid=SANDBOX_ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        twilio_sms_from="+13368991911",
        twilio_api_base_url="https://api.twilio.test",
        # Most call tests are about the message path; live transfer has its own tests.
        live_transfer=False,
    )


@pytest.fixture
def app(settings: Settings, database: Database, clock: FrozenClock) -> Flask:
    """The web app on the test transaction and the frozen clock."""
    application = create_app(settings, database=database, clock=clock)
    application.config["TESTING"] = True
    return application


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client of the web app."""
    return app.test_client()


def sign(url: str, params: dict[str, str] | list[tuple[str, str]], token: str = AUTH_TOKEN) -> str:
    """The X-Twilio-Signature Twilio would send for a POST of `params` to `url`."""
    return RequestValidator(token).compute_signature(url, dict(params))


class TwilioPoster:
    """Posts to our webhooks the way Twilio does: form-encoded and signed."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def __call__(
        self, path: str, params: dict[str, str], *, token: str = AUTH_TOKEN
    ) -> TestResponse:
        signature = sign(PUBLIC_BASE_URL + path, params, token)
        return self.client.post(path, data=params, headers={"X-Twilio-Signature": signature})


@pytest.fixture
def twilio(client: FlaskClient) -> TwilioPoster:
    """Post signed Twilio webhooks: `twilio("/twilio/voice", {...})`."""
    return TwilioPoster(client)


@pytest.fixture
def wipe_database(engine: Engine) -> Iterator[None]:
    """For tests that commit for real (live servers): empty every table afterwards."""
    yield
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def directory(session: Session, clock: FrozenClock) -> dict[str, object]:
    """Two clients (one with an MSA, one without), their representatives, three technicians:
    Dana on call as primary, Luis (not on call), Priya the manager."""
    from ticketing.directory import add_client, add_contact, add_technician
    from ticketing.oncall.roster import set_on_call

    bakery = add_client(session, "Blue Ridge Bakery", "1001", has_msa=True)
    jane = add_contact(session, "1001", "Jane Doe", "+13365550123", is_representative=True)
    diner = add_client(session, "Yadkin Valley Diner", "1003", has_msa=False)
    maria = add_contact(session, "1003", "Maria Ortiz", "+13365550167", is_representative=True)
    dana = add_technician(session, "Dana Whitfield", "+13365550101")
    luis = add_technician(session, "Luis Romero", "+13365550102")
    priya = add_technician(session, "Priya Nair", "+13365550103", is_manager=True)
    set_on_call(session, "Dana Whitfield", now=clock())
    session.commit()
    return {
        "bakery": bakery,
        "jane": jane,
        "diner": diner,
        "maria": maria,
        "dana": dana,
        "luis": luis,
        "priya": priya,
    }


class PhoneCall:
    """One inbound call as Twilio would post it: the same CallSid and caller on every step."""

    def __init__(self, twilio: TwilioPoster, call_sid: str, from_number: str) -> None:
        self.twilio = twilio
        self.base = {
            "CallSid": call_sid,
            "AccountSid": SANDBOX_ACCOUNT_SID,
            "From": from_number,
            "Caller": from_number,
            "To": "+18888991911",
            "Called": "+18888991911",
            "CallStatus": "in-progress",
            "Direction": "inbound",
            "ApiVersion": "2010-04-01",
        }

    def post(self, path: str, **params: str) -> TestResponse:
        """Post one step of this call."""
        return self.twilio(path, {**self.base, **params})

    def ring(self) -> TestResponse:
        """The call comes in."""
        self.base["CallStatus"] = "ringing"
        response = self.post("/twilio/voice")
        self.base["CallStatus"] = "in-progress"
        return response

    def record(self, seconds: int = 14, sid: str = "RE0001") -> TestResponse:
        """The caller leaves a message and presses #."""
        url = f"https://api.twilio.com/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}/Recordings/{sid}"
        return self.post(
            "/twilio/voice/recorded",
            RecordingUrl=url,
            RecordingSid=sid,
            RecordingDuration=str(seconds),
            Digits="#",
        )


@pytest.fixture
def phone(twilio: TwilioPoster):
    """`phone("+13365550123")` starts a call from that number (CallSid CA000…1, 2, …)."""
    counter = iter(range(1, 10_000))

    def make(from_number: str, call_sid: str | None = None) -> PhoneCall:
        return PhoneCall(twilio, call_sid or f"CA{next(counter):032d}", from_number)

    return make


def twiml(response: TestResponse):
    """The TwiML document of a webhook answer, checked to be well-formed TwiML."""
    import xml.etree.ElementTree as ET

    assert response.status_code == 200, response.data
    assert response.content_type.startswith(("text/xml", "application/xml"))
    root = ET.fromstring(response.data)
    assert root.tag == "Response"
    return root


def said(response: TestResponse) -> str:
    """Everything the caller hears in this answer, as one string."""
    return " ".join((el.text or "") for el in twiml(response).iter("Say"))
