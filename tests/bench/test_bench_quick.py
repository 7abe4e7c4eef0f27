"""Smoke test of the benchmark: `python -m bench --quick --sqlite --skip-scale` end to end
(gunicorn, the scheduler and the fake Twilio API on loopback), then what it reported."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bench.__main__ import Run, parse, run
from bench.calls.bench import Sizes
from bench.report import NOTES, write_results
from bench.results import Figure

QUICK = Sizes.quick()


@pytest.fixture(scope="module")
def quick() -> Run:
    """One quick run shared by the tests below (about half a minute)."""
    return run(parse(["--quick", "--sqlite", "--skip-scale"]))


def figure(done: Run, scenario: str, measure: str) -> Figure:
    """The one figure of `scenario` whose measure starts with `measure`."""
    found = [
        f for f in done.figures if f.scenario.startswith(scenario) and f.measure.startswith(measure)
    ]
    assert len(found) == 1, (scenario, measure, [f.measure for f in done.figures])
    return found[0]


def test_every_call_scenario_ran(quick: Run) -> None:
    assert quick.crashed == []
    assert {f.scenario[0] for f in quick.figures} == {"1", "2", "3", "4"}


def test_the_voice_webhook_answered_every_request(quick: Run) -> None:
    for concurrency, count in QUICK.levels:
        errors = figure(quick, "1", f"c={concurrency}: errors")
        assert errors.value == f"0 of {count}"
        assert errors.met is True
        rates = figure(quick, "1", f"c={concurrency}: requests/s").value
        service, limit, _ratio = (int(x) for x in re.findall(r"\d+", rates))
        assert service > 0 and limit > 0


def test_whole_calls_end_with_their_ticket_number(quick: Run) -> None:
    heard = figure(quick, "2", "calls ending with their ticket number")
    assert heard.value.startswith(f"{QUICK.whole_calls} of {QUICK.whole_calls}")
    assert heard.met is True
    steps = {f.measure.split(":")[0] for f in quick.figures if f.scenario.startswith("2.")}
    # Every action URL of an emergency call was in the mix.
    assert {
        "/twilio/voice",
        "/twilio/voice/transfer/{CallSid}/{n}/result",
        "/twilio/voice/recorded",
        "/twilio/voice/transcription",
        "/twilio/voice/callback/confirm",
        "/twilio/voice/status",
    } <= steps


def test_every_page_reached_twilio_and_its_time_is_judged(quick: Run) -> None:
    pages = figure(quick, "3", "pages that reached Twilio")
    assert pages.value == f"{QUICK.page_calls} of {QUICK.page_calls}"
    # Judged, not asserted: how fast is the benchmark's to say on a quiet machine, not a
    # test's beside a test run.
    assert figure(quick, "3", "p99").met is not None


def test_the_burst_lost_and_doubled_nothing(quick: Run) -> None:
    calls = QUICK.burst_calls
    assert figure(quick, "4", "tickets / calls").value == f"{calls} / {calls}"
    assert figure(quick, "4", "duplicate tickets").value == "0; 0"
    assert figure(quick, "4", "calls that heard their own ticket number").met is True
    assert figure(quick, "4", "lost").value == "0"
    paged = int(figure(quick, "4", "tickets paged").value.split()[0])
    held = int(figure(quick, "4", "pages owed").value.split()[0])
    assert paged >= 1 and paged + held == calls
    texts = figure(quick, "4", "texts to the on-call technician").value
    assert int(texts.split()[0]) < paged or paged == 1


def test_memory_of_every_process_is_reported(quick: Run) -> None:
    peaks = [f for f in quick.figures if f.measure.startswith("peak RSS")]
    assert {f.measure for f in peaks} == {
        "peak RSS, web worker 1",
        "peak RSS, web worker 2",
        "peak RSS, scheduler",
    }
    assert all(float(f.value.split()[0]) > 10 for f in peaks)


def test_results_file_keeps_the_notes(quick: Run, tmp_path: Path) -> None:
    out = tmp_path / "RESULTS.md"
    out.write_text(f"old\n{NOTES}\n\nBefore/after: 1 -> 2\n")
    write_results(
        out,
        quick.figures,
        quick.machine,
        command="python -m bench --quick",
        started=datetime.now(UTC),
        seconds=quick.seconds,
    )
    text = out.read_text()
    assert "old" not in text.split(NOTES)[0]
    assert text.rstrip().endswith("Before/after: 1 -> 2")
    assert "| 4. burst" in text and quick.machine.cpu in text
