"""Shifts nobody holds: what a technician's leaving uncovers in rotations and overrides."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from ticketing.models import Technician
from ticketing.oncall.shifts import Shift, shifts
from ticketing.wallclock import local_label

# How far ahead a leaving technician's turns are looked for (a rotation repeats anyway).
HORIZON = timedelta(days=60)


@dataclass(frozen=True)
class Gap:
    """Part of a shift that was `technician`'s and that nobody holds any more."""

    role: str
    label: str  # 'rotation "Primary"' / 'override #4'
    start: datetime
    end: datetime


def _uncovered(shift: Shift, now_held: list[Shift]) -> list[tuple[datetime, datetime]]:
    """The pieces of `shift` that no shift in `now_held` covers."""
    pieces: list[tuple[datetime, datetime]] = []
    at = shift.start
    for held in sorted(now_held, key=lambda s: s.start):
        if held.end <= at or held.start >= shift.end:
            continue
        if held.start > at:
            pieces.append((at, held.start))
        at = max(at, held.end)
    if at < shift.end:
        pieces.append((at, shift.end))
    return pieces


def gaps_after(
    session: Session, technician: Technician, change: Callable[[], None], *, now: datetime
) -> list[Gap]:
    """Make `change` (the technician leaving) and say which of their coming shifts it uncovers."""
    end = now + HORIZON
    theirs = [s for s in shifts(session, now, end) if s.technician.id == technician.id]
    change()
    session.flush()
    after = shifts(session, now, end) if theirs else []
    gaps = []
    for shift in theirs:
        held = [s for s in after if s.role == shift.role]
        for start, stop in _uncovered(shift, held):
            gaps.append(Gap(shift.role, shift.label, max(start, now), stop))
    return [gap for gap in gaps if gap.end > gap.start]


def describe_gaps(name: str, gaps: list[Gap], tz: ZoneInfo) -> str:
    """One sentence naming the uncovered shifts, or saying there are none."""
    if not gaps:
        return f"{name} held no coming shifts: nothing is left uncovered."
    parts = [
        f"{gap.label} ({gap.role}) {local_label(gap.start, tz)} to {local_label(gap.end, tz)}"
        for gap in gaps
    ]
    return f"{name}'s shifts now uncovered: " + "; ".join(parts) + "."
