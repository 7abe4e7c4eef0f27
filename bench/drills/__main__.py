"""`python -m bench.drills [--quick] [--sqlite] [--only N ...]`: the fault drills
against real processes (the Procfile's release, web and scheduler on a fresh database,
beside a fake Twilio API; each drill pages its own technicians), printed as a table
fault / expected / observed / pass and written to bench/DRILLS.md. Exits non-zero when a
drill fails.

1 Twilio's API failing every way during a burst of emergencies (bench/drills/twilio.py)
2 the scheduler SIGKILLed mid-escalation and restarted (bench/drills/scheduler.py)
3 a web worker SIGKILLed mid-request, Twilio retrying it (bench/drills/worker.py)
4 the database unreachable when calls arrive (bench/drills/database.py)
5 migrations down and up again with data present (bench/drills/migrations.py)
6 two hosts, one cut from the database and SIGKILLed mid-burst (bench/drills/hosts.py;
  PostgreSQL only)
7 the scheduler stopped: /healthz, the next caller, the restart (bench/drills/health.py)

Drill 5 stops the service: it runs last whatever its number.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import textwrap
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bench.drills.database import drill_database_down
from bench.drills.health import drill_scheduler_stopped
from bench.drills.hosts import drill_two_hosts
from bench.drills.migrations import drill_migrations
from bench.drills.scheduler import drill_scheduler_killed
from bench.drills.support import FORWARD, DrillResult, say, seed_directory
from bench.drills.twilio import drill_twilio_outage
from bench.drills.worker import drill_worker_killed
from bench.harness import Stack, running_stack

REPORT = Path(__file__).resolve().parent.parent / "DRILLS.md"
Drill = Callable[..., DrillResult]
DRILLS: dict[int, tuple[str, Drill]] = {
    1: ("Twilio API outage", drill_twilio_outage),
    2: ("scheduler SIGKILL", drill_scheduler_killed),
    3: ("web worker SIGKILL", drill_worker_killed),
    4: ("database unreachable", drill_database_down),
    5: ("migrations round trip", drill_migrations),
    6: ("two hosts, one killed", drill_two_hosts),
    7: ("scheduler stopped", drill_scheduler_stopped),
}
LAST = 5  # the migrations drill stops the service


def run(numbers: list[int], *, quick: bool, sqlite: bool) -> list[tuple[int, DrillResult]]:
    """Run the drills on one stack, in order, drill 5 last (it stops the service);
    a crash is a failed line of the table, not the end of the run."""
    results = []
    env = {"LIVE_TRANSFER": "off", "FALLBACK_FORWARD_NUMBER": FORWARD}
    say(f"starting the service on {'SQLite' if sqlite else 'PostgreSQL'}")
    # A database of this run's own: two runs at once must not drop each other's.
    name = f"intake_drills_{os.getpid()}"
    with running_stack(sqlite=sqlite, name=name, extra_env=env) as stack:
        seed_directory(stack.database_url)
        for number in sorted(set(numbers), key=lambda n: (n == LAST, n)):
            name, drill = DRILLS[number]
            _revive(stack)
            say(f"drill {number}: {name}")
            started = time.monotonic()
            try:
                result = drill(stack, quick=quick)
            except Exception as exc:
                traceback.print_exc()
                result = DrillResult(name, "runs", f"crashed: {type(exc).__name__}: {exc}"[:300])
            result.details.append(f"took {time.monotonic() - started:.0f} s")
            say(f"drill {number}: {_verdict(result).upper()}")
            results.append((number, result))
    return results


def _revive(stack: Stack) -> None:
    """Restart what a drill left stopped (a crashed drill may leave the scheduler dead)."""
    for name, start in (("web", stack.start_web), ("scheduler", stack.start_scheduler)):
        process = stack.processes.get(name)
        if process is None or process.poll() is not None:
            stack.processes.pop(name, None)
            start()


def _verdict(result: DrillResult) -> str:
    """The table's pass column: yes, NO, or skip (a drill that cannot run here)."""
    if result.skipped:
        return "skip"
    return "yes" if result.passed else "NO"


def print_table(results: list[tuple[int, DrillResult]]) -> None:
    """The table on the terminal, each column wrapped."""
    widths = (3, 38, 38, 60, 4)
    header = ("#", "fault", "expected", "observed", "pass")
    print("\n" + "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for number, result in results:
        cells = (str(number), result.fault, result.expected, result.observed)
        wrapped = [textwrap.wrap(c, w) or [""] for c, w in zip(cells, widths, strict=False)]
        wrapped.append([_verdict(result)])
        for row in range(max(len(c) for c in wrapped)):
            line = [
                (c[row] if row < len(c) else "").ljust(w)
                for c, w in zip(wrapped, widths, strict=True)
            ]
            print("  ".join(line).rstrip())
        print()


def write_report(results: list[tuple[int, DrillResult]], *, quick: bool, sqlite: bool) -> None:
    """bench/DRILLS.md: the same table, the details under it, and how it was run."""
    mode = " ".join(f for f, on in (("--quick", quick), ("--sqlite", sqlite)) if on)
    lines = [
        "# Fault drills",
        "",
        f"`python -m bench.drills {mode}`".replace(" `", "`"),
        f"run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()} "
        f"({'SQLite' if sqlite else 'PostgreSQL'}, Python {platform.python_version()})",
        "",
        "| # | fault | expected | observed | pass |",
        "| --- | --- | --- | --- | --- |",
    ]
    for number, r in results:
        verdict = _verdict(r)
        verdict = f"**{verdict}**" if verdict == "NO" else verdict
        cells = [str(number), r.fault, r.expected, r.observed, verdict]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    lines.append("")
    for number, r in results:
        lines.append(f"**Drill {number}.** " + "; ".join(r.details))
        lines.append("")
    REPORT.write_text("\n".join(lines))


def main(argv: list[str] | None = None) -> int:
    """Parse the options, run the drills, print and write the table; 1 if any failed."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.drills", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--quick", action="store_true", help="shorter faults (under 3 min)")
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    parser.add_argument("--only", type=int, nargs="+", choices=sorted(DRILLS), metavar="N")
    args = parser.parse_args(argv)
    results = run(args.only or sorted(DRILLS), quick=args.quick, sqlite=args.sqlite)
    print_table(results)
    write_report(results, quick=args.quick, sqlite=args.sqlite)
    print(f"written to {REPORT}")
    return 0 if all(r.passed for _, r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
