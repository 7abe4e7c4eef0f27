"""`intake technicians test NAME`: a test text and a test voice page are owed at once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cli import Intake, failed
from ticketing.models import OutboxMessage, Technician


@pytest.fixture
def intake(tmp_path: Path) -> Iterator[Intake]:
    runner = Intake(tmp_path, PUBLIC_BASE_URL="https://intake.example.com")
    yield runner
    runner.close()


def test_a_test_owes_a_text_and_a_call_and_says_the_last_pass(intake: Intake) -> None:
    intake.ok("technicians", "add", "Dana Whitfield", "--phone", "+13365550101")
    out = intake.ok("technicians", "test", "dana whitfield")
    assert "testing Dana Whitfield's phone ((336) 555-0101): a text and a voice call" in out
    assert "phone last passed: never" in out
    texts = [(m.channel, m.to_number) for m in intake.rows(OutboxMessage)]
    assert texts == [("sms", "+13365550101"), ("call", "+13365550101")]
    [dana] = intake.rows(Technician)
    assert dana.phone_test_sent_at is not None and dana.phone_verified_at is None


def test_an_unknown_or_deactivated_technician_is_refused(intake: Intake) -> None:
    failed(intake("technicians", "test", "Nobody"), "no technician named 'Nobody'")
    intake.ok("technicians", "add", "Luis Romero", "--phone", "+13365550102")
    intake.ok("technicians", "deactivate", "Luis Romero")
    failed(intake("technicians", "test", "Luis Romero"), "deactivated")
