"""Fixtures of the audit trail's tests."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from intake.clock import FrozenClock
from tests.support.audit import STAFF_ACTOR
from ticketing.audit.capture import act_as


@pytest.fixture
def audited(session: Session, clock: FrozenClock) -> Session:
    """The session, with a staff member acting on it (their changes are recorded)."""
    act_as(session, STAFF_ACTOR, clock)
    return session
