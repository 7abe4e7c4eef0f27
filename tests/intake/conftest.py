"""Fixtures for the tests of the app's wiring."""

from __future__ import annotations

import pytest


@pytest.fixture
def postgres_url(database_url: str) -> str:
    """The test database's URL, on PostgreSQL only (its pool and pings are what is tested)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite's connections are files opened in the process, not a pool's")
    return database_url
