"""The demo's own data in place of the tests' directory: its clients and technicians as
`intake serve --demo` seeds them (the help desk's technician available from the start)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from intake.clock import FrozenClock
from sandbox.demo.seed import HELP_DESK, seed_demo
from ticketing.directory import technician_by_name


@pytest.fixture
def directory(session: Session, clock: FrozenClock) -> dict[str, object]:
    """The demo's directory and on-call (no portal history: one call, one ticket)."""
    seed_demo(session, clock(), portal=False)
    session.commit()
    return {"help_desk": technician_by_name(session, HELP_DESK)}
