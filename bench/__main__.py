"""`python -m bench`: start the service as the Procfile does, drive it, print the table.

The call scenarios (1-4) run on one fresh database seeded with 700 clients (each of
scenarios 2-4 calls from its own); the data at scale (5) on a second one. Everything runs
on loopback beside a fake Twilio API and stops by itself; the table is printed and
written to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.calls.bench import CallBench, Sizes, memory_figures
from bench.calls.scenarios import (
    BURST,
    PAGE,
    VOICE,
    WHOLE,
    burst,
    call_to_page,
    voice_throughput,
    whole_calls,
)
from bench.calls.seed import seed_calls
from bench.harness import AUTH_TOKEN, database_bytes, procfile_command, running_stack
from bench.load import Signer
from bench.report import Machine, machine, print_table, write_results
from bench.results import Figure
from intake.db import Database

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
SCALE = "5. data at scale"
FULL_SCALE = {"clients": 1000, "tickets": 100_000, "invoices": 20_000}
QUICK_SCALE = {"clients": 50, "tickets": 2_000, "invoices": 400}

_started = time.perf_counter()


def say(message: str) -> None:
    """A progress line with the time since the start."""
    print(f"[{time.perf_counter() - _started:5.0f} s] {message}", flush=True)


def _run(name: str, scenario: Callable[[], list[Figure]], crashed: list[str]) -> list[Figure]:
    """Run one scenario; a crash becomes a line of the table, not the end of the run."""
    say(f"scenario {name}")
    try:
        return scenario()
    except Exception as exc:
        traceback.print_exc()
        crashed.append(name)
        return [Figure(name, "crashed", f"{type(exc).__name__}: {exc}"[:120], "runs", False)]


def call_scenarios(args: argparse.Namespace, sizes: Sizes, crashed: list[str]) -> tuple[
    list[Figure], Machine
]:  # fmt: skip
    """Scenarios 1-4 on one stack with 700 seeded clients (fewer with --quick)."""
    with running_stack(sqlite=args.sqlite, name=f"{args.db_prefix}_calls") as stack:
        where = machine(stack.database_url)
        say(f"service up at {stack.base_url}; seeding {sizes.clients} clients")
        seed = seed_calls(stack.database_url, clients=sizes.clients, rotation=sizes.page_calls)
        database = Database(stack.database_url)
        bench = CallBench(stack, seed, Signer(stack.base_url, AUTH_TOKEN), database, sizes)
        try:
            figures = _run(VOICE, lambda: voice_throughput(bench), crashed)
            figures += _run(WHOLE, lambda: whole_calls(bench), crashed)
            figures += _run(PAGE, lambda: call_to_page(bench), crashed)
            figures += _run(BURST, lambda: burst(bench), crashed)
        finally:
            database.engine.dispose()
    return figures, where


def scale_scenario(args: argparse.Namespace, crashed: list[str]) -> list[Figure]:
    """Scenario 5 on its own database, seeded at scale."""
    try:
        from bench.scale.scenario import run_scale
        from bench.scale.seed import seed_scale
    except ImportError as exc:
        return [Figure(SCALE, "not run", f"scale modules missing ({exc})")]
    counts = QUICK_SCALE if args.quick else FULL_SCALE

    def scenario() -> list[Figure]:
        with running_stack(sqlite=args.sqlite, name=f"{args.db_prefix}_scale") as stack:
            say("seeding " + ", ".join(f"{n:,} {what}" for what, n in counts.items()))
            login = seed_scale(stack.database_url, **counts)
            size = database_bytes(stack.database_url)
            say("timing portal and console pages")
            figures = run_scale(stack.base_url, login, samples=10 if args.quick else 100)
            figures.append(Figure(SCALE, "database size", f"{size / 1024 / 1024:.0f} MiB"))
            return figures + memory_figures(SCALE, stack.peak_memory())

    return _run(SCALE, scenario, crashed)


def parse(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    parser.add_argument(
        "--quick", action="store_true", help="small counts: a smoke test of every scenario"
    )
    parser.add_argument("--skip-scale", action="store_true", help="leave out scenario 5")
    parser.add_argument(
        "--out",
        type=Path,
        help=f"where to write the results (default {RESULTS.name}; --quick writes only with --out)",
    )
    parser.add_argument(
        "--db-prefix",
        default="intake_bench",
        help="PostgreSQL database names start with this (_calls, _scale); dropped after",
    )
    return parser.parse_args(argv)


@dataclass
class Run:
    """What a run produced."""

    figures: list[Figure]
    machine: Machine
    seconds: float
    crashed: list[str]


def run(args: argparse.Namespace) -> Run:
    """Every scenario the arguments ask for; nothing printed but progress."""
    started = time.perf_counter()
    sizes = Sizes.quick() if args.quick else Sizes()
    crashed: list[str] = []
    say("starting the service (fake Twilio, release, web, scheduler)")
    figures, where = call_scenarios(args, sizes, crashed)
    if not args.skip_scale:
        figures += scale_scenario(args, crashed)
    return Run(figures, where, time.perf_counter() - started, crashed)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 when every scenario ran (targets missed or not), 1 otherwise."""
    args = parse(argv)
    started = datetime.now(UTC)
    done = run(args)
    print_table(done.figures)
    out = args.out or (None if args.quick else RESULTS)
    if out is not None:
        command = "python -m bench " + " ".join(sys.argv[1:] if argv is None else argv)
        settings = [
            ("web (Procfile)", procfile_command("web")[-1].removeprefix("exec ")),
            ("WEB_CONCURRENCY", "2"),
            ("LIVE_TRANSFER", "on (callers answer the <Dial> with no-answer)"),
        ]
        write_results(
            out,
            done.figures,
            done.machine,
            command=command.strip(),
            started=started,
            seconds=done.seconds,
            settings=settings,
        )
        say(f"results written to {out}")
    say(f"done in {done.seconds / 60:.1f} min")
    return 1 if done.crashed else 0


if __name__ == "__main__":
    sys.exit(main())
