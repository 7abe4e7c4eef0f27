"""Drill 6 (`python -m bench.drills --only 6`): two hosts on one PostgreSQL database, one cut
from it and SIGKILLed mid-burst; its restarted web replays its own spool. It needs
PostgreSQL (the harness's local cluster), so it runs only where TEST_DATABASE_URL points at
PostgreSQL; without it the drill says so instead of failing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bench.drills.__main__ import DRILLS, run
from bench.drills.hosts import drill_two_hosts
from bench.harness import Stack

ON_POSTGRES = os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")


def test_the_drill_is_number_6() -> None:
    assert DRILLS[6] == ("two hosts, one killed", drill_two_hosts)


def test_on_sqlite_the_drill_says_it_needs_postgresql(tmp_path: Path) -> None:
    stack = Stack(database_url=f"sqlite:///{tmp_path / 'bench.db'}", workdir=tmp_path)
    result = drill_two_hosts(stack, quick=True)
    assert result.skipped and "needs PostgreSQL" in result.observed
    assert stack.processes == {}  # nothing was started or stopped


@pytest.mark.xdist_group("live")
@pytest.mark.skipif(not ON_POSTGRES, reason="the two-host drill needs PostgreSQL")
def test_a_host_killed_mid_burst_loses_and_doubles_nothing() -> None:
    [(number, result)] = run([6], quick=True, sqlite=False)
    assert number == 6 and not result.skipped
    assert result.passed, result.observed
