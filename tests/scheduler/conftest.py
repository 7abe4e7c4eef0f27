"""Fixtures of the scheduler tests: the frozen moment, a recording messenger, a ticket and
outbox rows on it, and Twilio's REST API faked."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from functools import partial

import pytest
import responses
from sqlalchemy.orm import Session

from intake.clock import FrozenClock
from tests.support.fake_transport import RecordingMessenger
from tests.support.outbox import new_outbox, new_ticket
from ticketing.models import OutboxMessage, Ticket


@pytest.fixture
def now(clock: FrozenClock) -> datetime:
    """The frozen moment of the test."""
    return clock()


@pytest.fixture
def messenger() -> RecordingMessenger:
    """A messenger that records instead of sending."""
    return RecordingMessenger()


@pytest.fixture
def ticket(session: Session) -> Ticket:
    """An open emergency ticket."""
    return new_ticket(session)


@pytest.fixture
def make_outbox(session: Session, ticket: Ticket, now: datetime) -> Callable[..., OutboxMessage]:
    """Create outbox rows on `ticket`, due now unless told otherwise."""
    return partial(new_outbox, session, ticket_id=ticket.id, due=now)


@pytest.fixture
def api() -> Iterator[responses.RequestsMock]:
    """Twilio's REST API, faked; every registered answer must be used."""
    with responses.RequestsMock() as mock:
        yield mock
