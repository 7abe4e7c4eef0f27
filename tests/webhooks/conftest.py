"""Fixtures of the webhook tests."""

from __future__ import annotations

import pytest

from intake.clock import FrozenClock
from tests.support.moments import local


@pytest.fixture
def tuesday_morning(clock: FrozenClock) -> None:
    """The clock at 10:15 on Tuesday 8 December 2026: business hours."""
    clock.set(local("2026-12-08 10:15"))
