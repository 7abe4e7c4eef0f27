"""`intake escalation set|show`: a step written with a negative delay gets the duration's
error, and both commands print the same policy, the pause and what happens when nobody
acknowledges."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cli import Intake


@pytest.fixture
def intake(tmp_path: Path) -> Iterator[Intake]:
    """`intake(...)` on a fresh database."""
    runner = Intake(tmp_path)
    yield runner
    runner.close()


def test_a_negative_delay_is_a_duration_error_not_an_option(intake: Intake) -> None:
    result = intake("escalation", "set", "0s primary sms", "-20s primary call")

    assert result.exit_code != 0
    assert "No such option" not in result.output
    assert "'-20s'" in result.output and "duration" in result.output
    assert intake.ok("escalation", "show").splitlines()[1] == "5m primary call"  # unchanged


def test_set_prints_what_show_prints(intake: Intake) -> None:
    said = intake.ok(
        "escalation", "set", "0s primary sms", "10m manager call", "--repeat", "1", "--pause", "2m"
    )

    assert said == intake.ok("escalation", "show")
    assert "repeat: 1 round(s), 2m after the last step" in said


def test_show_says_what_happens_when_nobody_acknowledges(intake: Intake) -> None:
    lines = intake.ok("escalation", "show").splitlines()

    # The default: 15m for the last step of round 1, 5m pause, round 2's last step at 35m.
    assert lines[-1] == (
        "nobody acknowledges: 40m after the emergency (5m after the last step),"
        " the managers, or every active technician when there is no manager, get an alert text"
    )
