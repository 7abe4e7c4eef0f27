"""`intake technicians avail|away NAME`: whether help-desk callers are offered to a
technician, shown by `technicians list`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cli import Intake, failed
from ticketing.models import Availability, Technician


@pytest.fixture
def intake(tmp_path: Path) -> Iterator[Intake]:
    """`intake(...)` with Dana and Luis."""
    runner = Intake(tmp_path)
    runner.ok("technicians", "add", "Dana Whitfield", "--phone", "+13365550101")
    runner.ok("technicians", "add", "Luis Romero", "--phone", "+13365550102")
    yield runner
    runner.close()


def availability(intake: Intake) -> dict[str, str]:
    return {t.name: t.availability for t in intake.rows(Technician)}


def test_avail_and_away_change_it_and_list_shows_it(intake: Intake) -> None:
    out = intake.ok("technicians", "avail", "dana whitfield")
    assert "Dana Whitfield is now available" in out
    assert availability(intake) == {
        "Dana Whitfield": Availability.AVAILABLE,
        "Luis Romero": Availability.AWAY,
    }
    listed = intake.ok("technicians", "list")
    dana = next(line for line in listed.splitlines() if line.startswith("Dana"))
    luis = next(line for line in listed.splitlines() if line.startswith("Luis"))
    assert "available for help-desk callers" in dana and "help-desk" not in luis
    assert "already available" in intake.ok("technicians", "avail", "Dana Whitfield")
    assert "now away" in intake.ok("technicians", "away", "Dana Whitfield")
    assert availability(intake)["Dana Whitfield"] == Availability.AWAY


def test_an_unknown_or_inactive_technician_is_refused(intake: Intake) -> None:
    failed(intake("technicians", "avail", "Nobody"), "no technician named")
    intake.ok("technicians", "deactivate", "Luis Romero")
    failed(intake("technicians", "avail", "Luis Romero"), "not an active technician")
