"""Fixtures of the ticketing tests."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from tests.support.oncall import add_team
from ticketing.models import Technician


@pytest.fixture
def team(session: Session) -> dict[str, Technician]:
    """Dana, Luis and Priya, keyed by first name."""
    return add_team(session)
