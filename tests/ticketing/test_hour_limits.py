"""Time logged on a request with an hour limit: the work cannot predate the ticket, and the
client's representative is told once, before the limit is passed (or as it is)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from tests.support.tickets import BILLED_MOMENT, add_ticket
from ticketing.billing.hour_limits import limit_use
from ticketing.billing.time_entries import log_time
from ticketing.errors import DomainError
from ticketing.models import OutboxMessage, Ticket
from ticketing.service_requests.models import ServiceRequest


@pytest.fixture
def request_ticket(session, directory) -> Ticket:
    """The bakery's professional-service request with a 4-hour limit, opened Nov 2."""
    directory["jane"].email = "jane@bakery.test"
    ticket = add_ticket(session, directory["bakery"], "professional_service")
    session.add(ServiceRequest(ticket_id=ticket.id, hour_limit=Decimal("4.00")))
    session.flush()
    return ticket


def _log(session, ticket, directory, clock, minutes: int, after: timedelta = timedelta(hours=1)):
    return log_time(
        session,
        ticket,
        directory["dana"],
        started_at=BILLED_MOMENT + after,
        minutes=minutes,
        logged_by="test",
        now=clock(),
    )


def _told(session, ticket) -> list[OutboxMessage]:
    stmt = select(OutboxMessage).where(OutboxMessage.ticket_id == ticket.id)
    return list(session.scalars(stmt.order_by(OutboxMessage.id)))


def test_work_cannot_start_before_the_ticket_was_opened(
    session, request_ticket, directory, clock
) -> None:
    with pytest.raises(DomainError, match=r"before ticket #\d+ was opened"):
        _log(session, request_ticket, directory, clock, 30, after=-timedelta(minutes=1))
    _log(session, request_ticket, directory, clock, 30, after=timedelta(0))  # from the opening


def test_the_representative_is_told_once_before_the_limit_is_passed(
    session, request_ticket, directory, clock
) -> None:
    _log(session, request_ticket, directory, clock, 180)  # 3 of 4 hours: not yet
    assert _told(session, request_ticket) == []

    _log(session, request_ticket, directory, clock, 30, after=timedelta(hours=4))  # 3.5 h
    sms, email = _told(session, request_ticket)
    assert sms.to_number == directory["jane"].phone and email.to_address == "jane@bakery.test"
    assert "3.5 hours" in sms.body and "4 hours" in sms.body
    assert "MESSAGES" not in sms.body
    use = limit_use(session, request_ticket.id)
    assert (use.logged, use.limit, use.over) == (Decimal("3.50"), Decimal("4.00"), False)

    _log(session, request_ticket, directory, clock, 60, after=timedelta(hours=5))  # 4.5 h
    assert len(_told(session, request_ticket)) == 2  # told once, not again
    assert limit_use(session, request_ticket.id).over


def test_one_entry_jumping_past_the_limit_tells_the_representative_as_it_passes(
    session, request_ticket, directory, clock
) -> None:
    _log(session, request_ticket, directory, clock, 300)
    sms, _email = _told(session, request_ticket)
    assert "past the 4 hours" in sms.body


def test_a_ticket_without_a_limit_tells_nobody(session, directory, clock) -> None:
    ticket = add_ticket(session, directory["bakery"], "professional_service")
    _log(session, ticket, directory, clock, 600)
    assert _told(session, ticket) == [] and limit_use(session, ticket.id) is None
