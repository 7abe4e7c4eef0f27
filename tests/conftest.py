"""Shared fixtures: a database built from the migrations, each test in a rolled-back
transaction; the app with a frozen clock; signed Twilio requests.

Set TEST_DATABASE_URL (postgresql+psycopg://...) to run the same suite on PostgreSQL; under
pytest-xdist each worker gets a database of its own beside it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session, sessionmaker

from intake.app import create_app
from intake.clock import FrozenClock
from intake.config import SANDBOX_ACCOUNT_SID, Settings
from intake.db import Database, make_engine, upgrade
from sandbox.twilio.store import SandboxStore
from tests.support.moments import local
from tests.support.people import DANA, JANE, LUIS, MARIA, PRIYA
from tests.support.portal import Portal, build_portal
from tests.support.twilio import AUTH_TOKEN, PUBLIC_BASE_URL, PhoneCall, TwilioPoster
from tests.support.wipe import empty_every_table
from tests.support.xdist_groups import keep_groups_together
from ticketing.firm import SESSION_KEY


def pytest_configure(config: pytest.Config) -> None:
    """Give each pytest-xdist worker its own PostgreSQL database (before any test reads
    TEST_DATABASE_URL, so that tests which make scratch databases beside it stay apart)."""
    from tests.support.databases import worker_database

    worker = os.environ.get("PYTEST_XDIST_WORKER")
    url = os.environ.get("TEST_DATABASE_URL")
    if worker and url:
        os.environ["TEST_DATABASE_URL"] = worker_database(url, worker)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under --dist loadgroup (on each xdist worker), keep every xdist_group on one worker."""
    if getattr(config.option, "loadgroup", False):
        keep_groups_together(items)


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


@pytest.fixture
def postgres_url(database_url: str) -> str:
    """The test database's URL, on PostgreSQL only (its pool and driver are what is tested)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite's connections are files opened in the process, not a server's")
    return database_url


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
def database(connection: Connection, database_url: str, settings: Settings) -> Database:
    """A Database whose sessions live inside the test's transaction (commits become savepoints),
    each knowing the firm as the app's would."""
    db = Database(database_url, engine=connection.engine)
    db.sessionmaker = sessionmaker(
        bind=connection,
        expire_on_commit=False,
        join_transaction_mode="create_savepoint",
        info={SESSION_KEY: settings.firm},
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


@pytest.fixture
def twilio(client: FlaskClient) -> TwilioPoster:
    """Post signed Twilio webhooks: `twilio("/twilio/voice", {...})`."""
    return TwilioPoster(client)


@pytest.fixture
def wipe_database(engine: Engine) -> Iterator[None]:
    """For tests that commit for real (live servers): empty every table afterwards, but for
    the rows the migrations write themselves (the calendar's stamp)."""
    yield
    with engine.begin() as conn:
        empty_every_table(conn)


@pytest.fixture
def directory(session: Session, clock: FrozenClock) -> dict[str, object]:
    """Two clients (one with an MSA, one without), their representatives, three technicians:
    Dana on call as primary, Luis (not on call), Priya the manager."""
    from ticketing.directory import add_client, add_contact, add_technician
    from ticketing.oncall.roster import set_on_call

    bakery = add_client(session, "Blue Ridge Bakery", "1001", has_msa=True)
    jane = add_contact(session, "1001", "Jane Doe", JANE, is_representative=True)
    diner = add_client(session, "Yadkin Valley Diner", "1003", has_msa=False)
    maria = add_contact(session, "1003", "Maria Ortiz", MARIA, is_representative=True)
    dana = add_technician(session, "Dana Whitfield", DANA)
    luis = add_technician(session, "Luis Romero", LUIS)
    priya = add_technician(session, "Priya Nair", PRIYA, is_manager=True)
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


@pytest.fixture
def phone(twilio: TwilioPoster) -> Callable[..., PhoneCall]:
    """`phone("+13365550123")` starts a call from that number (CallSid CA000…1, 2, …)."""
    counter = iter(range(1, 10_000))

    def make(from_number: str, call_sid: str | None = None) -> PhoneCall:
        return PhoneCall(twilio, call_sid or f"CA{next(counter):032d}", from_number)

    return make


@pytest.fixture
def store(app: Flask) -> SandboxStore:
    """The sandbox store of an app in demo mode (a module's `settings` turn sandbox on), with
    callbacks off unless a test turns them on."""
    sandbox: SandboxStore = app.extensions["sandbox"]
    sandbox.deliver_callbacks = False
    sandbox.callback_delay = 0
    return sandbox


@pytest.fixture
def portal(
    app: Flask,
    session: Session,
    directory: dict[str, object],
    phone: Callable[..., PhoneCall],
    twilio: TwilioPoster,
    clock: FrozenClock,
) -> Portal:
    """The bakery's world (see tests.support.portal.Portal), CSRF off so that refusals come
    from access rules alone (a test that wants CSRF turns it back on)."""
    app.config["WTF_CSRF_ENABLED"] = False
    return build_portal(session, directory, phone, twilio, clock)


@pytest.fixture(autouse=True)
def scheduler_beating(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The phone line sees a running scheduler, as in production, so calls are promised their
    page; tests marked `scheduler_silent` see the real heartbeat table instead."""
    if request.node.get_closest_marker("scheduler_silent") is None:
        monkeypatch.setattr("ticketing.calls.pager_check.beat_age", lambda _session, _now: 0.0)
