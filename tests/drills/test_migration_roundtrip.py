"""Drill: migrations go down and up again with data present, on SQLite and PostgreSQL.

A database at head is filled with the demo data and a paged emergency call; then every
downgrade, one revision at a time, must keep every row of every table it keeps (a table
a downgrade drops takes its rows with it: that is what downgrading it means), and the
way back up must bring the same rows to head. Last, down to base and up again must run
without an error.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, func, inspect, select, table, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from intake.db import alembic_config, make_engine
from sandbox.demo.seed import seed_demo
from ticketing.calendar.days import business_calendar
from ticketing.calls.intake import complete_intake, open_call
from ticketing.models import Client, Technician, Ticket

NOW = datetime(2026, 12, 6, 4, 10, tzinfo=UTC)  # Saturday 23:10 in New York
CALENDAR = SimpleNamespace(
    business_timezone="America/New_York",
    business_hours="Mon-Fri 08:00-17:00",
    holiday_calendar="US-NC",
)


@pytest.fixture
def scratch_url(tmp_path: Path) -> Iterator[str]:
    """An empty database of its own: a SQLite file, or a PostgreSQL database beside the
    test database when TEST_DATABASE_URL is set (the test role may create databases)."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp_path / 'roundtrip.db'}"
        return
    url = make_url(base)
    name = f"{url.database}_roundtrip"
    admin = make_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _revisions() -> list[str]:
    """Every revision, oldest first."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return [r.revision for r in reversed(list(script.walk_revisions()))]


# Rows a migration writes itself: the calendar's stamp (0022).
MADE_BY_MIGRATION = {"calendar_stamp": 1}


def _counts(conn: Connection) -> dict[str, int]:
    names = set(inspect(conn).get_table_names()) - {"alembic_version"}
    return {n: conn.execute(select(func.count()).select_from(table(n))).scalar_one() for n in names}


def _key_data(conn: Connection) -> dict[str, object]:
    """What must never change: ticket numbers and their class, clients, technicians."""
    tickets = conn.execute(text("SELECT id, service_class FROM tickets ORDER BY id")).all()
    clients = conn.execute(text("SELECT account_number, name FROM clients ORDER BY 1")).all()
    techs = conn.execute(text("SELECT name, phone FROM technicians ORDER BY 1")).all()
    return {"tickets": tickets, "clients": clients, "technicians": techs}


def _seed(conn: Connection) -> None:
    with Session(bind=conn) as session:
        seed_demo(session, NOW)
        classification = business_calendar(session, CALENDAR).classify(NOW)
        call = open_call(
            session,
            call_sid="CA" + "1" * 32,
            from_raw="+13365550123",
            to_number="+18888991911",
            classification=classification,
            now=NOW,
        )
        complete_intake(session, call, now=NOW, how="the drill")
        session.commit()
        assert session.scalar(select(func.count()).select_from(Ticket)) > 10
        assert session.scalar(select(func.count()).select_from(Client)) == 3
        assert session.scalar(select(func.count()).select_from(Technician)) == 3


def _migrate(url: str, step: str, revision: str) -> None:
    (command.downgrade if step == "down" else command.upgrade)(alembic_config(url), revision)


def test_every_downgrade_keeps_the_rows_of_the_tables_it_keeps_and_upgrade_restores_them(
    scratch_url: str,
) -> None:
    revisions = _revisions()
    engine = make_engine(scratch_url)
    try:
        _migrate(scratch_url, "up", "head")
        with engine.connect() as conn:
            _seed(conn)
            at_head, key = _counts(conn), _key_data(conn)
        assert at_head["outbox"] >= 1 and at_head["escalations"] == 1 and at_head["calls"] == 1

        for revision in reversed(revisions[:-1]):  # head-1 ... first
            _migrate(scratch_url, "down", revision)
            with engine.connect() as conn:
                kept = _counts(conn)
                assert kept == {name: at_head[name] for name in kept}, revision
                assert _key_data(conn) == key, revision
        _migrate(scratch_url, "up", "head")
        with engine.connect() as conn:
            back = _counts(conn)
            assert {n: back[n] for n in kept} == {n: at_head[n] for n in kept}
            assert _key_data(conn) == key
            # What the first revision did not have came back as its migration makes it
            # (empty, but for the calendar's one-row stamp): that is the loss.
            made = {n: MADE_BY_MIGRATION.get(n, 0) for n in set(back) - set(kept)}
            assert {n: back[n] for n in made} == made

        _migrate(scratch_url, "down", "base")
        with engine.connect() as conn:
            assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
        _migrate(scratch_url, "up", "head")
        with engine.connect() as conn:
            assert set(_counts(conn)) == set(at_head)
    finally:
        engine.dispose()
