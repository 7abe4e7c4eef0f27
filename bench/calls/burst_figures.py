"""The burst's figures: what was counted (bench/calls/burst_checks.py) against the targets, the
pacing that holds pages back, and how the database grew per call."""

from __future__ import annotations

import math
from collections.abc import Sequence

from bench.calls.burst_checks import BurstCounts
from bench.results import Figure


def burst_figures(
    scenario: str, counts: BurstCounts, drained: float | None, drain_seconds: float
) -> list[Figure]:
    """Tickets, duplicates, pages, pacing and losses of the burst against their targets."""
    calls = counts.calls
    drain = f"drained in {drained:.0f} s" if drained is not None else "not drained"
    return [
        Figure(
            scenario,
            "tickets / calls",
            f"{counts.tickets} / {calls}",
            "equal",
            counts.tickets == calls,
        ),
        Figure(
            scenario,
            "duplicate tickets per CallSid; doubled pages",
            f"{counts.duplicate_tickets}; {counts.doubled_pages}",
            "0; 0",
            counts.duplicate_tickets == 0 and counts.doubled_pages == 0,
        ),
        Figure(
            scenario,
            "calls that heard their own ticket number",
            f"{counts.numbers_heard} of {calls}",
            "all",
            counts.numbers_heard == calls,
        ),
        Figure(
            scenario,
            f"tickets paged within {drain_seconds:.0f} s of the burst ({drain})",
            f"{counts.paged} of {calls}",
            "all",
            counts.paged == calls,
        ),
        Figure(scenario, "pages owed, held by pacing (not yet sent)", _held(counts)),
        Figure(
            scenario,
            "lost: no page owed, page failed, or sent but not at Twilio",
            str(counts.lost),
            "0",
            counts.lost == 0,
        ),
        Figure(
            scenario,
            "texts to the on-call technician for those tickets (bundled)",
            f"{counts.texts} texts for {counts.paged} tickets (largest: {counts.largest_bundle})",
            "fewer texts than tickets",
            counts.texts < counts.paged or counts.paged <= 1,
        ),
    ]


def _held(counts: BurstCounts) -> str:
    if not counts.held or not counts.largest_bundle:
        return str(counts.held)
    # The pacing rule sends one text a minute to a phone, holding at most a claim batch.
    minutes = math.ceil(counts.held / counts.largest_bundle)
    return f"{counts.held} (one text a minute of ≤ {counts.largest_bundle}: ~{minutes} min more)"


def growth_figure(scenario: str, points: Sequence[tuple[int, int]]) -> Figure:
    """Database bytes per call over the burst, and in each half: (bytes, calls) at its start,
    halfway and end. Equal halves: the database grows linearly with calls."""
    (b0, c0), (b1, c1), (b2, c2) = points

    def per_call(grown: int, calls: int) -> str:
        return f"{grown / calls / 1024:.1f} KiB" if calls > 0 else "-"

    halves = f"{per_call(b1 - b0, c1 - c0)}; {per_call(b2 - b1, c2 - c1)}"
    return Figure(
        scenario,
        "database growth per call (first half; second half)",
        f"{per_call(b2 - b0, c2 - c0)} ({halves})",
    )
