"""Moments of the tests, written as text: local business time (New York) and UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

NY = ZoneInfo("America/New_York")


def local(text_moment: str) -> datetime:
    """A "YYYY-MM-DD HH:MM[:SS]" moment in the business time zone, as an aware datetime."""
    fmt = "%Y-%m-%d %H:%M:%S" if text_moment.count(":") == 2 else "%Y-%m-%d %H:%M"
    return datetime.strptime(text_moment, fmt).replace(tzinfo=NY)


def utc(text_moment: str) -> datetime:
    """A "YYYY-MM-DD HH:MM[:SS]" moment in UTC."""
    return local(text_moment).replace(tzinfo=UTC)
