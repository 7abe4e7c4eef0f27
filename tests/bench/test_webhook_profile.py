"""The webhook profiler on a small run (two calls of each kind, SQLite): every webhook of
a call is measured, and the report names them all, so the profile does not rot between
the times someone runs it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bench.calls.phases import PHASES
from bench.calls.profile import (
    AFTER_HOURS,
    BUSINESS_HOURS,
    FIRST_WEBHOOK,
    CallProfile,
    profile_calls,
    scratch_database,
)
from bench.calls.profile_report import write_profile
from bench.report import NOTES

CALL_WEBHOOKS = [
    "/twilio/voice",
    "/twilio/voice/transfer/{CallSid}/{n}/result",
    "/twilio/voice/recorded",
    "/twilio/voice/transcription",
    "/twilio/voice/callback/confirm",
    "/twilio/voice/status",
]


@pytest.fixture(scope="module")
def profiled() -> CallProfile:
    """Two counted and two profiled calls of each kind, after one to warm up."""
    with scratch_database(sqlite=True) as (url, instance):
        return profile_calls(url, instance, calls=2, warmup=1)


def test_every_webhook_of_an_after_hours_call_is_measured(profiled: CallProfile) -> None:
    rows = profiled.webhooks(AFTER_HOURS)
    assert [row.webhook for row in rows] == CALL_WEBHOOKS
    for row in rows:
        assert row.requests == 2
        assert row.statements[0] > 0
        assert row.round_trips[0] > row.statements[1]  # a COMMIT at least
        assert row.cpu_ms > 0
        assert sum(row.phases_ms.values()) == pytest.approx(row.cpu_ms)


def test_a_business_hours_call_also_goes_through_the_menu(profiled: CallProfile) -> None:
    webhooks = [row.webhook for row in profiled.webhooks(BUSINESS_HOURS)]
    assert webhooks == [CALL_WEBHOOKS[0], "/twilio/voice/menu/{n}", *CALL_WEBHOOKS[1:]]


def test_the_first_webhooks_statements_are_listed(profiled: CallProfile) -> None:
    for scenario in (AFTER_HOURS, BUSINESS_HOURS):
        (first,) = [r for r in profiled.webhooks(scenario) if r.webhook == FIRST_WEBHOOK]
        assert len(profiled.first_sql[scenario]) == first.statements[1]
        assert any(sql.startswith("INSERT INTO tickets") for sql in profiled.first_sql[scenario])
        assert profiled.first_top[scenario]


def test_the_report_has_every_webhook_and_keeps_the_notes(
    profiled: CallProfile, tmp_path: Path
) -> None:
    out = tmp_path / "PROFILE.md"
    out.write_text(f"old run\n{NOTES}\n\nBefore/after: 16 -> 14 statements\n")
    write_profile(
        out,
        profiled,
        "sqlite:///x.db",
        command="python -m bench.calls.profile --sqlite",
        started=datetime.now(UTC),
        seconds=1.0,
    )
    text = out.read_text()
    assert "old run" not in text
    assert text.rstrip().endswith("Before/after: 16 -> 14 statements")
    for webhook in [*CALL_WEBHOOKS, "/twilio/voice/menu/{n}"]:
        assert f"| {webhook} " in text
    assert all(f"{phase} ms" in text for phase in PHASES)
    assert "Baseline, in the same minutes" in text
    for scenario in (AFTER_HOURS, BUSINESS_HOURS):
        assert f"- {scenario}: " in text


def test_a_bare_signed_webhook_is_measured_in_the_same_run(profiled: CallProfile) -> None:
    assert set(profiled.baseline_ms) == {AFTER_HOURS, BUSINESS_HOURS}
    for scenario, (mean, p50) in profiled.baseline_ms.items():
        assert mean > 0 and p50 > 0
        (first,) = [r for r in profiled.webhooks(scenario) if r.webhook == FIRST_WEBHOOK]
        # The service's first webhook does all the bare one does, and reads and writes.
        assert first.cpu_ms > mean
