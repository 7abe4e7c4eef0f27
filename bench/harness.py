"""Starting the service the way the Procfile does, on a fresh database, beside a fake Twilio.

`Stack` runs four kinds of process on loopback: the fake Twilio API
(bench/fake_twilio.py), the `release` step (migrations), the `web` line of the
Procfile (gunicorn) and the `scheduler` line. Drills kill and restart them; benchmarks
read their peak memory from /proc.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from intake.config import DEMO_SMS_FROM, Settings

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ACCOUNT_SID = "AC" + "be" * 16
AUTH_TOKEN = "bench-auth-token"
# The line the service under test answers and its sender: the settings' default line and
# the demo's sender, so the bench follows a firm that changes its defaults.
SUPPORT_LINE = Settings.twilio_voice_number
SMS_FROM = DEMO_SMS_FROM
PG_ADMIN_URL = "postgresql://intake:intake@127.0.0.1:5432/postgres"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def procfile_command(kind: str) -> list[str]:
    """The Procfile's line for `kind` as argv, with ${VAR:-default} left to the shell."""
    for line in (ROOT / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        if name.strip() == kind:
            return ["bash", "-c", "exec " + command.strip()]
    raise LookupError(f"the Procfile has no {kind!r} line")


def _pg_ready() -> bool:
    import psycopg

    try:
        psycopg.connect(PG_ADMIN_URL, connect_timeout=2).close()
    except psycopg.OperationalError:
        return False
    return True


def start_postgres() -> None:
    """Start the local PostgreSQL cluster and the `intake` role if they are not up (as CI does)."""
    if _pg_ready():
        return
    listed = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True)
    if listed.returncode != 0 or not listed.stdout.strip():
        raise RuntimeError("no PostgreSQL cluster found: install postgresql, or use --sqlite")
    version = listed.stdout.split()[0]
    subprocess.run(["pg_ctlcluster", version, "main", "start"], capture_output=True)
    role = "CREATE ROLE intake LOGIN PASSWORD 'intake' SUPERUSER"
    check = "SELECT 1 FROM pg_roles WHERE rolname='intake'"
    for _ in range(30):
        found = subprocess.run(
            ["su", "postgres", "-c", f'psql -qtAc "{check}"'], capture_output=True, text=True
        )
        if found.returncode == 0:
            if found.stdout.strip() != "1":
                subprocess.run(["su", "postgres", "-c", f'psql -qc "{role}"'], check=True)
            break
        time.sleep(1)
    if not _pg_ready():
        raise RuntimeError("PostgreSQL did not come up on 127.0.0.1:5432")


def fresh_postgres_database(name: str) -> str:
    """Drop and create database `name`; return its SQLAlchemy URL."""
    import psycopg

    start_postgres()
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}" OWNER intake')
    return f"postgresql+psycopg://intake:intake@127.0.0.1:5432/{name}"


def drop_postgres_database(name: str) -> None:
    """Remove a database a run created."""
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def database_bytes(database_url: str) -> int:
    """The size of the database: pg_database_size, or the SQLite file with its WAL."""
    if database_url.startswith("sqlite"):
        path = Path(database_url.split("///", 1)[1])
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    import psycopg

    plain = database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain) as conn:
        row = conn.execute("SELECT pg_database_size(current_database())").fetchone()
    return int(row[0]) if row else 0


def peak_rss_mib(pid: int) -> float:
    """The peak resident memory (VmHWM) of a live process, in MiB; 0 if it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def child_pids(pid: int) -> list[int]:
    """Direct children of `pid` (gunicorn's workers)."""
    try:
        raw = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in raw.split()]


def _serving(error: urllib.error.HTTPError) -> bool:
    """A 503 from /healthz whose database check passed: the web is up, only degraded (the
    scheduler starts after the web and has not beaten yet)."""
    if error.code != 503:
        return False
    try:
        checks = json.loads(error.read())["checks"]
    except (ValueError, KeyError, TypeError):
        return False
    return bool(checks.get("database", {}).get("ok"))


def _wait_http(url: str, seconds: float, *, any_answer: bool = False) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status < 500:
                    return
        except urllib.error.HTTPError as error:
            if any_answer or _serving(error):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer within {seconds:.0f} s")
        time.sleep(0.1)


@dataclass
class Stack:
    """The service (web + scheduler), its database and the fake Twilio API, on loopback."""

    database_url: str
    workdir: Path
    web_port: int = field(default_factory=free_port)
    twilio_port: int = field(default_factory=free_port)
    web_workers: int = 2
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        """Where the web app listens (also its PUBLIC_BASE_URL, so signatures match)."""
        return f"http://127.0.0.1:{self.web_port}"

    @property
    def twilio_url(self) -> str:
        """Where the fake Twilio API listens."""
        return f"http://127.0.0.1:{self.twilio_port}"

    def env(self) -> dict[str, str]:
        """The service's environment: Procfile variables plus the settings of docs/design.md §3."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "DATABASE_"))}
        env.update(
            PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
            PORT=str(self.web_port),
            WEB_CONCURRENCY=str(self.web_workers),
            DATABASE_URL=self.database_url,
            SECRET_KEY="bench-secret-key-of-at-least-32-chars",
            INTAKE_INSTANCE_PATH=str(self.workdir / "instance"),
            PUBLIC_BASE_URL=self.base_url,
            TWILIO_ACCOUNT_SID=ACCOUNT_SID,
            TWILIO_AUTH_TOKEN=AUTH_TOKEN,
            TWILIO_API_BASE_URL=self.twilio_url,
            TWILIO_VOICE_NUMBER=SUPPORT_LINE,
            TWILIO_SMS_FROM=SMS_FROM,
            PYTHONUNBUFFERED="1",
        )
        env.update(self.extra_env)
        return env

    def _spawn(self, name: str, argv: list[str]) -> subprocess.Popen[bytes]:
        log = open(self.workdir / f"{name}.log", "ab")  # noqa: SIM115 (the process owns it)
        process = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes[name] = process
        return process

    def start_twilio(self) -> None:
        """Start the fake Twilio API."""
        self._spawn(
            "twilio", [sys.executable, "-m", "bench.fake_twilio", "--port", str(self.twilio_port)]
        )
        _wait_http(f"{self.twilio_url}/_bench/log", 20)

    def release(self) -> None:
        """The Procfile's release step: migrate the database to head."""
        argv = procfile_command("release")
        done = subprocess.run(argv, cwd=ROOT, env=self.env(), capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"release failed:\n{done.stdout}\n{done.stderr}")

    def start_web(self, *, database_reachable: bool = True) -> None:
        """Start gunicorn as the Procfile's web line does, and wait until it answers (with
        the database unreachable, any answer of /healthz, a 503 included, will do)."""
        self._spawn("web", procfile_command("web"))
        _wait_http(f"{self.base_url}/healthz", 60, any_answer=not database_reachable)

    def start_scheduler(self) -> None:
        """Start the Procfile's scheduler process."""
        self._spawn("scheduler", procfile_command("scheduler"))

    def start(self) -> None:
        """Fake Twilio, migrations, web and scheduler, in that order."""
        self.start_twilio()
        self.release()
        self.start_web()
        self.start_scheduler()

    def stop(self, name: str, sig: int = signal.SIGTERM) -> None:
        """Stop one process (its whole process group) and wait for it."""
        process = self.processes.pop(name, None)
        if process is None:
            return
        if process.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, sig)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def stop_all(self) -> None:
        """Stop everything this stack started."""
        for name in ("scheduler", "web", "twilio"):
            self.stop(name)

    def web_workers_pids(self) -> list[int]:
        """gunicorn's worker processes (children of the master)."""
        master = self.processes.get("web")
        if master is None:
            return []
        # bash execs gunicorn, so the Popen pid is the master's.
        return child_pids(master.pid)

    def peak_memory(self) -> dict[str, float]:
        """Peak RSS in MiB of each web worker and of the scheduler, by name."""
        peaks = {
            f"web worker {i + 1}": peak_rss_mib(p) for i, p in enumerate(self.web_workers_pids())
        }
        scheduler = self.processes.get("scheduler")
        if scheduler is not None:
            peaks["scheduler"] = peak_rss_mib(scheduler.pid)
        return peaks

    # The fake Twilio API's control endpoints.
    def twilio_log(self) -> list[dict[str, object]]:
        """Every request the fake Twilio API accepted, oldest first."""
        with urllib.request.urlopen(f"{self.twilio_url}/_bench/log", timeout=10) as answer:
            return json.load(answer)["entries"]

    def twilio_fault(self, mode: str, seconds: float) -> None:
        """Make the fake Twilio API answer `mode` (500, 429, hang, reset, ok) for `seconds`."""
        body = json.dumps({"mode": mode, "seconds": seconds}).encode()
        request = urllib.request.Request(
            f"{self.twilio_url}/_bench/fault", data=body, method="POST"
        )
        urllib.request.urlopen(request, timeout=10).close()


@contextmanager
def running_stack(
    *, sqlite: bool = False, name: str = "intake_bench", **options: object
) -> Iterator[Stack]:
    """A started Stack on a fresh database (PostgreSQL unless `sqlite`), torn down after."""
    workdir = Path(tempfile.mkdtemp(prefix="intake-bench-"))
    url = f"sqlite:///{workdir / 'bench.db'}" if sqlite else fresh_postgres_database(name)
    stack = Stack(database_url=url, workdir=workdir, **options)  # type: ignore[arg-type]
    try:
        stack.start()
        yield stack
    finally:
        stack.stop_all()
        if not sqlite:
            drop_postgres_database(name)
        if os.environ.get("BENCH_KEEP_LOGS"):
            print(f"logs kept in {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
