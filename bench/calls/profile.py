"""`python -m bench.calls.profile [--sqlite] [--calls N]`: what each webhook of a call
costs, in this process: SQL statements, database round trips, CPU per request and where
that CPU goes (bench/PROFILE.md).

Whole emergency calls are played by the benchmark's virtual callers (the same TwiML
following as `python -m bench`) through Flask's test client on a seeded database: once
after hours (the seed's closure, as the benchmark's calls) and once in business hours
with key 1 at the menu. Each call comes from a client of its own. A few calls warm up;
then `calls` calls are counted (statements, round trips, CPU) and as many again run
under cProfile, whose split by phase is scaled to the counted CPU (the profiler's own
overhead inflates what it measures). After each counted call, a bare signed Flask webhook
(bench/calls/baseline.py) is given the same first request: the run's own baseline.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench.calls.baseline import Baseline
from bench.calls.bench import new_call_sid
from bench.calls.callers import VirtualCaller, ringing
from bench.calls.counting import Metered, RequestCost, SqlCounter, shorten
from bench.calls.inprocess import (
    CLOSED_MOMENT,
    OPEN_MOMENT,
    InProcessService,
    start_service,
)
from bench.calls.phases import PHASES, phase_seconds, top_functions
from bench.harness import ACCOUNT_SID, AUTH_TOKEN, drop_postgres_database, fresh_postgres_database

PROFILE = Path(__file__).resolve().parent.parent / "PROFILE.md"
AFTER_HOURS = "after hours"
BUSINESS_HOURS = "business hours, key 1"
SCENARIOS = ((AFTER_HOURS, CLOSED_MOMENT), (BUSINESS_HOURS, OPEN_MOMENT))
FIRST_WEBHOOK = "/twilio/voice"


@dataclass(frozen=True)
class WebhookFigures:
    """One webhook of one kind of call, per request (means over the counted calls)."""

    scenario: str
    webhook: str
    requests: int
    statements: tuple[int, int]  # fewest, most
    round_trips: tuple[int, int]
    begins: float
    commits: float
    pings: float
    cpu_ms: float  # mean
    cpu_p50_ms: float
    phases_ms: dict[str, float]  # phase -> ms per request, scaled to cpu_ms


@dataclass
class CallProfile:
    """Everything a run measured."""

    database: str
    calls: int
    rows: list[WebhookFigures] = field(default_factory=list)
    first_sql: dict[str, list[str]] = field(default_factory=dict)  # scenario -> statements
    # scenario -> our functions with the most cumulative time in the first webhook (ms/request)
    first_top: dict[str, list[tuple[str, str, float]]] = field(default_factory=dict)
    # scenario -> the bare signed webhook's CPU per request in the same minutes: mean, median
    baseline_ms: dict[str, tuple[float, float]] = field(default_factory=dict)

    def webhooks(self, scenario: str) -> list[WebhookFigures]:
        """The rows of one kind of call, in the order the call reached them."""
        return [row for row in self.rows if row.scenario == scenario]


def _play(
    service: InProcessService, contacts: Sequence[str], baseline: Baseline | None = None
) -> None:
    """Play a call from each of `contacts`; after each, give `baseline` its first request."""
    caller = VirtualCaller(service.transport(), service.signer, ACCOUNT_SID)  # type: ignore[arg-type]
    for contact in contacts:
        record = caller.call(new_call_sid(), contact)
        if not record.ok:
            raise RuntimeError(f"a profiled call went wrong: {record.ended} {record.error}")
        if baseline is not None:
            baseline.answer(ringing(new_call_sid(), contact, ACCOUNT_SID))


def _by_webhook(costs: Sequence[RequestCost]) -> dict[str, list[RequestCost]]:
    grouped: dict[str, list[RequestCost]] = {}
    for cost in costs:
        grouped.setdefault(cost.webhook, []).append(cost)
    return grouped


def _span(values: Sequence[int]) -> tuple[int, int]:
    return min(values), max(values)


def _figures(scenario: str, costs: list[RequestCost], phases: dict[str, float]) -> WebhookFigures:
    cpu = [c.cpu * 1000 for c in costs]
    mean = statistics.fmean(cpu)
    profiled = sum(phases.values()) or 1.0
    return WebhookFigures(
        scenario=scenario,
        webhook=costs[0].webhook,
        requests=len(costs),
        statements=_span([c.statements for c in costs]),
        round_trips=_span([c.round_trips for c in costs]),
        begins=statistics.fmean(c.begins for c in costs),
        commits=statistics.fmean(c.commits for c in costs),
        pings=statistics.fmean(c.pings for c in costs),
        cpu_ms=mean,
        cpu_p50_ms=statistics.median(cpu),
        phases_ms={phase: mean * phases[phase] / profiled for phase in PHASES},
    )


def _measure(
    service: InProcessService,
    metered: Metered,
    profile: CallProfile,
    scenario: str,
    contacts: Sequence[str],
    warmup: int,
) -> None:
    """Warm up, count, then profile `scenario`'s calls; add its rows to `profile`."""
    calls = profile.calls
    baseline = Baseline(service.signer, AUTH_TOKEN)
    _play(service, contacts[:warmup], baseline)
    metered.costs, baseline.cpu[:] = [], []
    _play(service, contacts[warmup : warmup + calls], baseline)
    counted = _by_webhook(metered.costs)
    bare = [seconds * 1000 for seconds in baseline.cpu]
    profile.baseline_ms[scenario] = (statistics.fmean(bare), statistics.median(bare))
    metered.costs, metered.profiles, metered.profiling = [], {}, True
    try:
        _play(service, contacts[warmup + calls : warmup + 2 * calls])
    finally:
        metered.profiling = False
    for webhook, costs in counted.items():
        phases = phase_seconds(metered.profiles[webhook])
        profile.rows.append(_figures(scenario, costs, phases))
    first = counted[FIRST_WEBHOOK]
    profile.first_sql[scenario] = [shorten(statement) for statement in first[-1].sql]
    profiled_requests = len(_by_webhook(metered.costs)[FIRST_WEBHOOK])
    profile.first_top[scenario] = [
        (where, name, seconds * 1000 / profiled_requests)
        for where, name, seconds in top_functions(metered.profiles[FIRST_WEBHOOK])
    ]


def profile_calls(database_url: str, instance: Path, *, calls: int, warmup: int) -> CallProfile:
    """Migrate and seed the empty database at `database_url`, then measure both kinds of call."""
    per_scenario = warmup + 2 * calls
    service = start_service(database_url, instance, clients=per_scenario * len(SCENARIOS))
    try:
        metered = Metered(service.app.wsgi_app, SqlCounter(service.database.engine))
        service.app.wsgi_app = metered  # type: ignore[method-assign]
        profile = CallProfile(service.database.engine.dialect.name, calls)
        for index, (scenario, moment) in enumerate(SCENARIOS):
            service.clock.set(moment)
            start = index * per_scenario
            contacts = service.seed.contacts[start : start + per_scenario]
            _measure(service, metered, profile, scenario, contacts, warmup)
        return profile
    finally:
        service.close()


@contextmanager
def scratch_database(*, sqlite: bool, name: str = "intake_profile") -> Iterator[tuple[str, Path]]:
    """An empty database (a SQLite file, or a fresh PostgreSQL one) and an instance folder,
    removed afterwards."""
    workdir = Path(tempfile.mkdtemp(prefix="intake-profile-"))
    url = f"sqlite:///{workdir / 'profile.db'}" if sqlite else fresh_postgres_database(name)
    try:
        yield url, workdir / "instance"
    finally:
        if not sqlite:
            drop_postgres_database(name)
        shutil.rmtree(workdir, ignore_errors=True)


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.calls.profile", description=__doc__)
    parser.add_argument("--sqlite", action="store_true", help="a SQLite file, not PostgreSQL")
    parser.add_argument("--calls", type=int, default=20, help="calls counted (and profiled)")
    parser.add_argument("--warmup", type=int, default=3, help="calls played first, not counted")
    parser.add_argument("--out", type=Path, default=PROFILE, help="the Markdown file to write")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> CallProfile:
    """Run, print the tables and write them to `--out`."""
    from bench.calls.profile_report import print_profile, write_profile

    args = parse(argv)
    started, clock = datetime.now(UTC), time.perf_counter()
    with scratch_database(sqlite=args.sqlite) as (url, instance):
        profile = profile_calls(url, instance, calls=args.calls, warmup=args.warmup)
        print_profile(profile)
        command = "python -m bench.calls.profile" + (" --sqlite" if args.sqlite else "")
        write_profile(
            args.out,
            profile,
            url,
            command=command,
            started=started,
            seconds=time.perf_counter() - clock,
        )
    print(f"\nwritten to {args.out}")
    return profile


if __name__ == "__main__":
    main()
