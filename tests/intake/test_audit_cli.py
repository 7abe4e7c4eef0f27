"""`intake` commands that change something leave it in the audit trail as the command
line's ("cli:<os user>", where "cli"); a refused command leaves nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from intake.cli.context import os_user
from tests.support.cli import Intake, failed
from ticketing.audit.models import AuditEntry


@pytest.fixture
def intake(tmp_path: Path) -> Iterator[Intake]:
    """`intake(...)` on a fresh database."""
    runner = Intake(tmp_path)
    yield runner
    runner.close()


def test_adding_a_technician_is_recorded_as_the_command_lines(intake: Intake) -> None:
    intake.ok("technicians", "add", "Dana Whitfield", "--phone", "+13365550101")

    [entry] = intake.rows(AuditEntry)
    assert (entry.actor, entry.source) == (f"cli:{os_user()}", "cli")
    assert (entry.action, entry.subject_type, entry.subject_label) == (
        "created",
        "technician",
        "Dana Whitfield",
    )
    assert entry.after is not None and entry.after["phone"] == "+13365550101"
    assert entry.after["calendar_token"] == "(hidden)"


def test_changing_who_is_on_call_is_recorded(intake: Intake) -> None:
    intake.ok("technicians", "add", "Dana Whitfield", "--phone", "+13365550101")
    intake.ok("oncall", "set", "Dana Whitfield")

    entry = intake.rows(AuditEntry)[-1]
    assert (entry.source, entry.action, entry.subject_type) == (
        "cli",
        "created",
        "on-call override",
    )
    assert entry.subject_label == "Dana Whitfield (primary)"


def test_the_escalation_policy_set_from_the_command_line(intake: Intake) -> None:
    intake.ok("escalation", "show")  # the defaults, written on first use
    intake.ok("escalation", "set", "0m primary sms", "10m manager call", "--repeat", "1")

    made, entry = [e for e in intake.rows(AuditEntry) if e.subject_type == "escalation policy"]
    assert made.action == "created" and entry.action == "updated"
    assert entry.actor.startswith("cli:")
    assert entry.before is not None and entry.after is not None
    assert entry.after["steps"] == ["after 0 s: primary by sms", "after 600 s: manager by call"]


def test_a_refused_command_leaves_nothing(intake: Intake) -> None:
    intake.ok("clients", "add", "Blue Ridge Bakery", "--account", "1001")
    failed(intake("clients", "add", "Another Bakery", "--account", "1001"), "already exists")

    assert [e.subject_label for e in intake.rows(AuditEntry)] == [
        "Blue Ridge Bakery (account 1001)"
    ]


def test_a_command_that_only_reads_writes_nothing(intake: Intake) -> None:
    intake.ok("technicians", "list")
    intake.ok("clients", "list")

    assert intake.count(AuditEntry) == 0
