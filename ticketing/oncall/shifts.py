"""On-call schedules: rotation shifts on each rotation's wall clock, overrides on top, merged.

A hand-off is a local date and time in the rotation's own zone (`Rotation.timezone`, fixed
when the rotation is set), so no caller needs to know a zone to ask who is on call.
`zoneinfo` turns it into an instant, so a weekly shift across a DST change lasts 167 or 169
hours, never a fixed 168. Who holds a role at a moment is decided by layers: the newest
override covering it, else the rotation that started most recently, else nobody.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, contains_eager, selectinload

from ticketing.models import Technician
from ticketing.oncall.models import OnCallOverride, OnCallRole, Rotation, RotationMember
from ticketing.wallclock import local_instant

# Plain values: click matches enum members by name, so its choices must not be members.
ROLES = tuple(role.value for role in OnCallRole)


@dataclass(frozen=True)
class Shift:
    """Who holds `role` from `start` to `end` (UTC), and why: a rotation's turn or an override."""

    role: str
    technician: Technician
    start: datetime
    end: datetime
    source: str  # the rotation's name, or "override"
    key: str  # "rotation-3" / "override-12": the stable part of a calendar UID
    standing: bool = False  # an open-ended override: `end` is only the window's end

    @property
    def label(self) -> str:
        """Where the shift comes from, for people: 'rotation "Weekly"' or 'override #12'."""
        if self.key.startswith("override-"):
            return f"override #{self.key.removeprefix('override-')}"
        return f'rotation "{self.source}"'


@dataclass(eq=False)
class _Segment:
    """One layer's claim on a role; a higher `rank` wins where claims overlap."""

    start: datetime
    end: datetime
    rank: tuple[int, int, int]
    technician: Technician
    source: str
    key: str
    standing: bool = False


def rotation_zone(rotation: Rotation) -> ZoneInfo:
    """The zone whose wall clock the rotation's hand-offs follow."""
    return ZoneInfo(rotation.timezone)


def handoff_at(rotation: Rotation, turn: int) -> datetime:
    """The instant of hand-off number `turn` (0 = the first) of a rotation."""
    day = rotation.starts_on + timedelta(days=turn * rotation.shift_days)
    return local_instant(datetime.combine(day, rotation.handoff_time), rotation_zone(rotation))


def _turn_at(rotation: Rotation, at: datetime) -> int:
    """The number of the last hand-off at or before `at` (negative before the first)."""
    days = (at.astimezone(rotation_zone(rotation)).date() - rotation.starts_on).days
    turn = days // rotation.shift_days
    # The local date is right to within a day; step to the exact turn on real instants.
    while handoff_at(rotation, turn) > at:
        turn -= 1
    while handoff_at(rotation, turn + 1) <= at:
        turn += 1
    return turn


def _rotation_segments(rotations: Iterable[Rotation], lo: datetime, hi: datetime) -> list[_Segment]:
    segments = []
    for rotation in rotations:
        members = [member.technician for member in rotation.members]
        if not members:
            continue
        rank = (1, rotation.starts_on.toordinal(), rotation.id)
        turn = max(_turn_at(rotation, lo), 0)
        start = handoff_at(rotation, turn)
        while start < hi:
            end = handoff_at(rotation, turn + 1)
            tech = members[turn % len(members)]
            if tech.active and end > lo:
                key = f"rotation-{rotation.id}"
                segments.append(_Segment(start, end, rank, tech, rotation.name, key))
            turn, start = turn + 1, end
    return segments


def overrides_in_force(role: str, lo: datetime, hi: datetime) -> Select[tuple[OnCallOverride]]:
    """Overrides of `role` with an active technician that overlap [lo, hi), technician loaded."""
    return (
        select(OnCallOverride)
        .join(OnCallOverride.technician)
        # The join already reads each technician: no query per override after it.
        .options(contains_eager(OnCallOverride.technician))
        .where(
            OnCallOverride.role == role,
            Technician.active.is_(True),
            OnCallOverride.starts_at < hi,
            or_(OnCallOverride.ends_at.is_(None), OnCallOverride.ends_at > lo),
        )
    )


def _override_segments(
    session: Session, role: str, lo: datetime, hi: datetime, cap: datetime
) -> list[_Segment]:
    segments = []
    for row in session.scalars(overrides_in_force(role, lo, hi)):
        # A standing override is shown up to the window's end (`cap`).
        end = row.ends_at if row.ends_at is not None else cap
        if end <= row.starts_at:  # `set` twice at one moment leaves an empty override
            continue
        rank, key = (2, 0, row.id), f"override-{row.id}"
        standing = row.ends_at is None
        segments.append(
            _Segment(row.starts_at, end, rank, row.technician, "override", key, standing)
        )
    return segments


def _merge(segments: Sequence[_Segment]) -> list[tuple[_Segment, datetime, datetime]]:
    """Cut the timeline at every boundary; each piece goes to the highest-ranked claim."""
    cuts = sorted({s.start for s in segments} | {s.end for s in segments})
    waiting = sorted(segments, key=lambda s: s.start)
    active: list[_Segment] = []
    pieces: list[tuple[_Segment, datetime, datetime]] = []
    for a, b in pairwise(cuts):
        while waiting and waiting[0].start <= a:
            active.append(waiting.pop(0))
        active = [s for s in active if s.end > a]
        if not active:
            continue
        top = max(active, key=lambda s: s.rank)
        if pieces and pieces[-1][0] is top and pieces[-1][2] == a:
            pieces[-1] = (top, pieces[-1][1], b)
        else:
            pieces.append((top, a, b))
    return pieces


def _extent(
    segments: Iterable[_Segment], start: datetime, end: datetime
) -> tuple[datetime, datetime]:
    lo, hi = start, end
    for segment in segments:
        lo, hi = min(lo, segment.start), max(hi, segment.end)
    return lo, hi


def _rotations(session: Session, role: str) -> list[Rotation]:
    stmt = (
        select(Rotation)
        .where(Rotation.role == role)
        .options(selectinload(Rotation.members).selectinload(RotationMember.technician))
    )
    return list(session.scalars(stmt))


def _role_shifts(session: Session, role: str, start: datetime, end: datetime) -> list[Shift]:
    rotations = _rotations(session, role)
    # Widen to the full extent of every claim touching the window, so that a shift
    # crossing the window's edge is cut (and dated) exactly as it would be inside it.
    rot_lo, rot_hi = _extent(_rotation_segments(rotations, start, end), start, end)
    turns = _rotation_segments(rotations, rot_lo, rot_hi)
    lo, hi = _extent(_override_segments(session, role, start, end, end), rot_lo, rot_hi)
    overrides = _override_segments(session, role, lo, hi, end)
    return [
        Shift(role, seg.technician, a, b, seg.source, seg.key, seg.standing and b == end)
        for seg, a, b in _merge(turns + overrides)
        if b > start and a < end
    ]


def shifts(
    session: Session, start: datetime, end: datetime, *, role: str | None = None
) -> list[Shift]:
    """Every shift overlapping [start, end), uncut by the window, by start time then role."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("shifts needs timezone-aware moments")
    found = []
    for each in (role,) if role else ROLES:
        found.extend(_role_shifts(session, each, start.astimezone(UTC), end.astimezone(UTC)))
    return sorted(found, key=lambda s: (s.start, ROLES.index(s.role) if s.role in ROLES else 9))
