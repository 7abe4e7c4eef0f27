"""Wall-clock time: the business zone, a local time as an instant (DST-exact), and a moment
as people read it."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from ticketing.errors import DomainError

DEFAULT_TIMEZONE = "America/New_York"


def business_zone(timezone: str | ZoneInfo | None = None) -> ZoneInfo:
    """The zone given, else DEFAULT_TIMEZONE (docs/design.md), for display.

    No configuration is read here: intake/ (the composition root) reads BUSINESS_TIMEZONE
    and passes it down. Who is on call does not depend on it at all; each rotation hands
    off on its own zone's wall clock (`rotation_zone`).
    """
    if isinstance(timezone, ZoneInfo):
        return timezone
    return ZoneInfo(timezone or DEFAULT_TIMEZONE)


def local_instant(naive: datetime, tz: ZoneInfo) -> datetime:
    """The UTC instant a wall-clock time names in `tz`.

    A time that happens twice (fall back) means its first occurrence. A time that never
    happens (spring forward) means the first valid instant after it: the moment the
    clocks jump, e.g. 02:30 on 2026-03-08 in New York is 03:00 EDT.
    """
    try:
        first = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    except OverflowError:  # 9999-12-31 23:59 local is past the last UTC datetime
        raise DomainError(f"{naive:%Y-%m-%d %H:%M} is out of range") from None
    if first.astimezone(tz).replace(tzinfo=None) == naive:
        return first
    # In a gap the two folds map to either side of the jump; bisect for the jump itself.
    other = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
    before, after = int(min(first, other).timestamp()), int(max(first, other).timestamp())
    while after - before > 1:
        middle = (before + after) // 2
        if datetime.fromtimestamp(middle, tz).replace(tzinfo=None) > naive:
            after = middle
        else:
            before = middle
    return datetime.fromtimestamp(after, UTC)


def local_label(moment: datetime, tz: ZoneInfo) -> str:
    """A moment on the wall clock of `tz` as people write it: "Mon 12/7 8:00 AM"."""
    local = moment.astimezone(tz)
    hour = local.hour % 12 or 12
    half = "AM" if local.hour < 12 else "PM"
    return f"{local:%a} {local.month}/{local.day} {hour}:{local:%M} {half}"
