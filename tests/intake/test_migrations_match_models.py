"""The Alembic migrations and the SQLAlchemy models describe the same schema."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

import ticketing.schema  # noqa: F401  (registers every table on Base.metadata)
from intake.db import current_revision, downgrade, head_revision, make_engine, upgrade
from ticketing.orm import Base


def differences(engine: Engine) -> list[Any]:
    """What autogenerate would put in a new migration for this database: nothing, we hope."""
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh, empty SQLite file."""
    return f"sqlite:///{tmp_path / 'migrations.db'}"


@pytest.fixture
def fresh_engine(sqlite_url: str) -> Iterator[Engine]:
    """An engine on that file, disposed afterwards."""
    engine = make_engine(sqlite_url)
    yield engine
    engine.dispose()


def test_the_models_register_tables() -> None:
    tables = set(Base.metadata.tables)
    assert {"clients", "contacts", "technicians", "calendar_days", "tickets"} <= tables


def test_migrations_on_fresh_sqlite_match_the_models(sqlite_url: str, fresh_engine: Engine) -> None:
    upgrade(sqlite_url)
    assert differences(fresh_engine) == []
    assert set(inspect(fresh_engine).get_table_names()) == set(Base.metadata.tables) | {
        "alembic_version"
    }


def test_migrations_on_the_test_database_match_the_models(engine: Engine) -> None:
    # The session `engine` is PostgreSQL when TEST_DATABASE_URL is set.
    assert current_revision(engine) == head_revision()
    assert differences(engine) == []


def test_an_empty_database_differs_from_the_models(fresh_engine: Engine) -> None:
    # The comparison can fail: with no migrations run, every table is missing.
    added = {diff[1].name for diff in differences(fresh_engine) if diff[0] == "add_table"}
    assert added == set(Base.metadata.tables)


def test_upgrade_downgrade_upgrade(sqlite_url: str, fresh_engine: Engine) -> None:
    head = head_revision()
    assert head is not None
    assert current_revision(fresh_engine) is None

    upgrade(sqlite_url)
    assert current_revision(fresh_engine) == head

    downgrade(sqlite_url, "base")
    assert current_revision(fresh_engine) is None
    assert set(inspect(fresh_engine).get_table_names()) <= {"alembic_version"}

    upgrade(sqlite_url)
    assert current_revision(fresh_engine) == head
    assert differences(fresh_engine) == []


def test_upgrading_twice_changes_nothing(sqlite_url: str, fresh_engine: Engine) -> None:
    upgrade(sqlite_url)
    upgrade(sqlite_url)
    assert current_revision(fresh_engine) == head_revision()
    assert differences(fresh_engine) == []
