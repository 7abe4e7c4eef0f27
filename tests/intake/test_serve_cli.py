"""`intake serve`: a busy port stops it before it claims to run, and the banner's commands
work from a terminal whose shell does not know the virtualenv."""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from intake.cli import serve as serve_module
from scheduler.runner import SWITCH_INTERVAL_SECONDS
from tests.support.cli import UNSET, invoke


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port on the loopback that something else already listens on."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        yield taken.getsockname()[1]


def test_a_busy_port_is_refused_before_the_banner(tmp_path, busy_port, monkeypatch) -> None:
    monkeypatch.setattr(serve_module, "configure_logging", lambda _format: None)
    env = {**dict.fromkeys(UNSET), "DATABASE_URL": None, "INTAKE_INSTANCE_PATH": str(tmp_path)}

    result = invoke("serve", "--demo", "--port", str(busy_port), env=env)

    assert result.exit_code != 0
    assert "running on" not in result.output
    assert f"cannot listen on 127.0.0.1:{busy_port}" in result.output
    assert "--port" in result.output


def test_the_banner_names_the_script_when_the_shell_would_not_find_it(monkeypatch) -> None:
    script = Path(sys.executable).parent / "intake"
    monkeypatch.setattr(sys, "argv", [str(script), "serve", "--demo"])
    monkeypatch.setenv("PATH", "/usr/bin:/bin")

    assert serve_module.intake_command() == str(script.absolute())


def test_the_banner_says_intake_when_the_shell_finds_this_script(monkeypatch) -> None:
    script = Path(sys.executable).parent / "intake"
    monkeypatch.setattr(sys, "argv", [str(script), "serve", "--demo"])
    monkeypatch.setenv("PATH", str(script.parent))

    assert serve_module.intake_command() == "intake"


def test_the_scheduler_process_hands_the_gil_over_quickly(scheduler_run) -> None:
    """A page committed is sent by a relay tick that waits on the database a dozen times:
    in the scheduler's process a waiting thread gets the GIL back within half a millisecond,
    not the interpreter's 5 ms."""
    assert scheduler_run.switch_interval_at_start == SWITCH_INTERVAL_SECONDS
    assert SWITCH_INTERVAL_SECONDS <= 0.001


def test_the_scheduler_freezes_what_start_up_built_before_it_runs(scheduler_run) -> None:
    """A full collection in the relay's process would walk every start-up object while a
    page waits: they are frozen once, after the scheduler is built and before it starts."""
    assert scheduler_run.steps == ["built", "frozen", "start"]


def test_serve_freezes_what_start_up_built_before_it_serves(tmp_path, monkeypatch) -> None:
    """`intake serve` is one long-running process too: the app, the demo data and the
    scheduler are built, then frozen, then the scheduler starts and the server serves."""
    steps: list[str] = []

    class Scheduler:
        def start(self) -> None:
            steps.append("start")

        def shutdown(self, wait: bool) -> None:
            steps.append("shutdown")

    class Server:
        def serve_forever(self) -> None:
            steps.append("serving")
            raise KeyboardInterrupt

        def server_close(self) -> None:
            pass

    def built(*_args, **_kw) -> Scheduler:
        steps.append("built")
        return Scheduler()

    monkeypatch.setattr(serve_module, "configure_logging", lambda _format: None)
    monkeypatch.setattr(serve_module, "_bind", lambda _app, _host, _port: Server())
    monkeypatch.setattr(serve_module, "scheduler_for", built)
    monkeypatch.setattr(serve_module, "freeze_start_up", lambda: steps.append("frozen"))
    env = {**dict.fromkeys(UNSET), "DATABASE_URL": None, "INTAKE_INSTANCE_PATH": str(tmp_path)}

    result = invoke("serve", "--demo", env=env)

    assert result.exit_code == 0, result.output
    assert steps == ["built", "frozen", "start", "serving", "shutdown"]
