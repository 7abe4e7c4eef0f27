"""Fixtures for the `intake` command line and process entry points."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

import pytest

from intake.cli import serve as serve_module
from tests.support.cli import UNSET, invoke
from tests.support.settings import production_env


@dataclass
class SchedulerRun:
    """What `intake scheduler` did, in order, and the GIL switch interval when it started."""

    steps: list[str] = field(default_factory=list)
    switch_interval_at_start: float | None = None


@pytest.fixture
def scheduler_run(tmp_path, monkeypatch) -> SchedulerRun:
    """`intake scheduler` run to the start of a stand-in scheduler (nothing frozen for real:
    the test process keeps its collector as it was)."""
    run = SchedulerRun()

    class Started:
        def start(self) -> None:
            run.steps.append("start")
            run.switch_interval_at_start = sys.getswitchinterval()

    def built(*_args, **_kw) -> Started:
        run.steps.append("built")
        return Started()

    monkeypatch.setattr(serve_module, "configure_logging", lambda _format: None)
    monkeypatch.setattr(serve_module, "ensure_schema", lambda _database: None)
    monkeypatch.setattr(serve_module, "scheduler_for", built)
    monkeypatch.setattr(serve_module, "freeze_start_up", lambda: run.steps.append("frozen"))
    before = sys.getswitchinterval()
    try:
        result = invoke("scheduler", env={**dict.fromkeys(UNSET), **production_env(tmp_path)})
    finally:
        sys.setswitchinterval(before)
    assert result.exit_code == 0, result.output
    return run
