"""Service requests: professional services and help desk stored with their windows and
limits; the portal's emergency pages like a call; every refusal writes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.support.moments import local
from ticketing.errors import DomainError
from ticketing.models import OutboxMessage, Ticket, TicketEvent
from ticketing.paging.models import Escalation
from ticketing.service_requests.booking import submit_request
from ticketing.service_requests.models import RequestWindow, ServiceRequest
from ticketing.timeline import events_of

COUNTED = (Ticket, ServiceRequest, RequestWindow, TicketEvent, OutboxMessage, Escalation)
TUESDAY_MORNING = (local("2026-12-08 09:00"), local("2026-12-08 12:00"))
WEDNESDAY_AFTERNOON = (local("2026-12-09 13:00"), local("2026-12-09 17:00"))


def counts(session: Session) -> dict[str, int]:
    """Rows of every table a request writes to (pending ones included: autoflush)."""
    return {
        model.__name__: session.scalar(select(func.count()).select_from(model)) or 0
        for model in COUNTED
    }


def submit(session: Session, directory: dict[str, Any], clock, **overrides: Any):
    """A professional-service request from the bakery's representative, with overrides."""
    values: dict[str, Any] = {
        "client_id": directory["bakery"].id,
        "service_class": "professional_service",
        "description": "Move the POS server to the new rack.",
        "preferred_technician": "Dana Whitfield",
        "windows": [TUESDAY_MORNING, WEDNESDAY_AFTERNOON],
        "hour_limit": Decimal("4"),
        "requested_by": "Jane Doe",
        "contact_id": directory["jane"].id,
        "now": clock(),
    }
    values.update(overrides)
    return submit_request(session, **values)


def test_a_request_with_two_windows_and_a_limit_is_stored(session, directory, clock):
    done = submit(session, directory, clock)
    session.commit()
    session.expire_all()

    ticket = session.get(Ticket, done.ticket.id)
    assert (ticket.service_class, ticket.source, ticket.status) == (
        "professional_service",
        "portal",
        "open",
    )
    assert ticket.description == "Move the POS server to the new rack."
    assert ticket.callback_number == directory["jane"].phone
    assert ticket.intake_completed_at == clock() and not ticket.payment_contact
    request = session.scalar(select(ServiceRequest).where(ServiceRequest.ticket_id == ticket.id))
    assert request.preferred_technician.name == "Dana Whitfield"
    assert request.hour_limit == Decimal("4.00")
    assert request.requested_by == "Jane Doe"
    assert [(w.starts_at, w.ends_at) for w in request.windows] == [
        (TUESDAY_MORNING[0].astimezone(UTC), TUESDAY_MORNING[1].astimezone(UTC)),
        (WEDNESDAY_AFTERNOON[0].astimezone(UTC), WEDNESDAY_AFTERNOON[1].astimezone(UTC)),
    ]
    assert request.scheduled_start is None and done.notice is None
    received = [e.message for e in events_of(session, ticket.id) if e.kind == "request_received"]
    assert received == [
        "Request received (professional service, from the portal, by Jane Doe): Dana Whitfield; "
        "preferred times Tue 12/8 9:00 AM to 12:00 PM, Wed 12/9 1:00 PM to 5:00 PM; "
        "limit 4 hours. No work-order approval needed."
    ]
    # No approval step, no page: a professional-service request waits for staff to schedule.
    assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_windows_are_shown_in_the_zone_given(session, directory, clock):
    done = submit(session, directory, clock, windows=[TUESDAY_MORNING], timezone="America/Denver")

    [line] = [e.message for e in done.ticket.events if e.kind == "request_received"]
    assert "Tue 12/8 7:00 AM to 10:00 AM" in line


def test_a_help_desk_request(session, directory, clock):
    done = submit(
        session,
        directory,
        clock,
        client_id=directory["diner"].id,
        contact_id=None,
        service_class="help_desk",
        description="How do I print the weekly sales report?",
        preferred_technician=None,
        windows=[],
        hour_limit=None,
        requested_by="Maria Ortiz",
    )

    ticket = done.ticket
    assert (ticket.service_class, ticket.client_id) == ("help_desk", directory["diner"].id)
    assert ticket.callback_number == directory["maria"].phone  # the representative
    assert ticket.payment_contact  # no MSA: billing will contact them
    assert done.service_request is not None and done.service_request.windows == []
    kinds = [e.kind for e in events_of(session, ticket.id)]
    assert kinds == ["request_received", "payment_contact", "intake_complete"]


def test_a_professional_request_may_leave_the_time_to_the_firm(session, directory, clock):
    done = submit(session, directory, clock, windows=[], preferred_technician="")

    assert done.service_request.windows == []
    assert done.service_request.preferred_technician_id is None
    [line] = [e.message for e in events_of(session, done.ticket.id) if e.kind == "request_received"]
    assert "any technician; no preferred time (the firm will propose one)" in line


def test_the_portals_emergency_pages_like_a_call(session, directory, clock):
    done = submit(
        session,
        directory,
        clock,
        client_id=directory["diner"].id,
        contact_id=directory["maria"].id,
        service_class="emergency",
        description="The card reader is down: we cannot take payments.",
        preferred_technician=None,
        windows=[],
        hour_limit=None,
        requested_by="Maria Ortiz",
    )
    session.commit()

    assert "Calling (888) 899-1911 is the fastest way" in done.notice
    assert done.service_request is None
    ticket = done.ticket
    assert (ticket.service_class, ticket.status) == ("emergency", "open")
    assert ticket.intake_completed_at == clock() and ticket.paged_at == clock()
    assert ticket.payment_contact  # the diner has no MSA
    [page] = session.scalars(select(OutboxMessage).where(OutboxMessage.ticket_id == ticket.id))
    assert (page.channel, page.kind, page.to_number) == ("sms", "page", directory["dana"].phone)
    assert page.body.startswith(f"EMERGENCY #{ticket.number}: Yadkin Valley Diner")
    assert "No MSA: billing to contact." in page.body and "card reader" in page.body
    escalation = session.scalar(select(Escalation).where(Escalation.ticket_id == ticket.id))
    assert escalation.status == "active"
    kinds = [e.kind for e in events_of(session, ticket.id)]
    assert kinds[:3] == ["classified", "payment_contact", "intake_complete"]
    assert "paged" in kinds


def _in_past(clock) -> list[tuple[datetime, datetime]]:
    return [(clock() - timedelta(hours=1), clock() + timedelta(hours=1))]


REFUSALS: dict[str, tuple[dict[str, Any], str]] = {
    "window in the past": ({"windows": "past"}, "time window is in the past"),
    "window ends before it starts": (
        {"windows": [(TUESDAY_MORNING[1], TUESDAY_MORNING[0])]},
        "ends before it starts",
    ),
    "window ends when it starts": (
        {"windows": [(TUESDAY_MORNING[0], TUESDAY_MORNING[0])]},
        "ends before it starts",
    ),
    "window over a year ahead": (
        {"windows": [(local("2028-01-04 09:00"), local("2028-01-04 10:00"))]},
        "more than a year ahead",
    ),
    "six windows": ({"windows": [TUESDAY_MORNING] * 6}, "6 time windows given; 5 at most"),
    "naive window": (
        {"windows": [(datetime(2026, 12, 8, 9), datetime(2026, 12, 8, 10))]},
        "no time zone",
    ),
    "hour limit 0": ({"hour_limit": Decimal(0)}, "more than 0 hours"),
    "hour limit 0.0": ({"hour_limit": Decimal("0.0")}, "more than 0 hours"),
    "hour limit -1": ({"hour_limit": Decimal(-1)}, "more than 0 hours"),
    "hour limit 1000": ({"hour_limit": Decimal(1000)}, "200 hours at most"),
    "hour limit 200.01": ({"hour_limit": Decimal("200.01")}, "200 hours at most"),
    "hour limit abc": ({"hour_limit": "abc"}, "is not a number of hours"),
    "hour limit NaN": ({"hour_limit": Decimal("NaN")}, "must be a number of hours"),
    "hour limit 0.001": ({"hour_limit": Decimal("0.001")}, "to the hundredth"),
    "unknown technician": ({"preferred_technician": "Zed Nobody"}, "no technician named"),
    "unknown client": ({"client_id": 987654, "contact_id": None}, "no client with id 987654"),
    "someone else's contact": ({"contact_id": "maria"}, "has no contact with id"),
    "empty description": ({"description": "   "}, "the description is empty"),
    "long description": ({"description": "x" * 4001}, "4001 characters long; 4000 at most"),
    "unknown class": ({"service_class": "onsite"}, "unknown service class 'onsite'"),
    "unknown source": ({"source": "fax"}, "unknown source 'fax'"),
    "nobody asked": ({"requested_by": " "}, "the requester's name is empty"),
    "emergency with windows": ({"service_class": "emergency"}, "on-call technician at once"),
}


@pytest.mark.parametrize(("change", "message"), REFUSALS.values(), ids=REFUSALS.keys())
def test_a_refused_request_writes_nothing(session, directory, clock, change, message):
    change = dict(change)
    if change.get("windows") == "past":
        change["windows"] = _in_past(clock)
    if change.get("contact_id") == "maria":
        change["contact_id"] = directory["maria"].id
    before = counts(session)

    with pytest.raises(DomainError) as caught:
        submit(session, directory, clock, **change)

    assert message in str(caught.value)
    assert counts(session) == before


@pytest.mark.parametrize("hours", [Decimal("0.01"), Decimal("2.5"), Decimal(200), 3, "1.75"])
def test_hour_limits_in_range_are_kept(session, directory, clock, hours):
    done = submit(session, directory, clock, hour_limit=hours)

    assert done.service_request.hour_limit == Decimal(str(hours))
