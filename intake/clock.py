"""The service's notion of "now": real UTC time, or a frozen/advanced one in tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class SystemClock:
    """The real time, always UTC-aware."""

    def __call__(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock that stands still until told to move (tests, simulations)."""

    def __init__(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("FrozenClock needs a timezone-aware moment")
        self.moment = moment.astimezone(UTC)

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, delta: timedelta) -> datetime:
        """Move forward by `delta` and return the new moment."""
        self.moment += delta
        return self.moment

    def set(self, moment: datetime) -> None:
        """Jump to `moment`."""
        self.moment = moment.astimezone(UTC)
