"""Staff confirm a request's schedule: the representative is told by SMS and email once per
schedule; a retry tells nobody, a change tells them again."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.support.moments import local
from ticketing.errors import DomainError, NotFound
from ticketing.models import OutboxMessage, Ticket, TicketEvent
from ticketing.service_requests.booking import schedule_request, service_requests, submit_request
from ticketing.timeline import events_of

JANE_EMAIL = "jane@bakery.test"
TUESDAY_9 = local("2026-12-08 09:00")
WEDNESDAY_14 = local("2026-12-09 14:00")


@pytest.fixture
def ticket(session: Session, directory: dict[str, Any], clock) -> Ticket:
    """The bakery's professional-service request, four hours at most; Jane has an email."""
    directory["jane"].email = JANE_EMAIL
    done = submit_request(
        session,
        client_id=directory["bakery"].id,
        service_class="professional_service",
        description="Move the POS server to the new rack.",
        preferred_technician="Dana Whitfield",
        windows=[(TUESDAY_9, TUESDAY_9 + timedelta(hours=3))],
        hour_limit=Decimal(4),
        requested_by="Jane Doe",
        now=clock(),
    )
    session.commit()
    return done.ticket


def notices(session: Session, ticket: Ticket) -> list[OutboxMessage]:
    """The notices owed about the ticket, oldest first."""
    stmt = select(OutboxMessage).where(OutboxMessage.ticket_id == ticket.id)
    return list(session.scalars(stmt.order_by(OutboxMessage.id)))


def schedule(session: Session, ticket: Ticket, clock, tech: str = "Dana Whitfield", start=None):
    """Schedule the ticket as staff would."""
    return schedule_request(
        session, ticket.number, technician=tech, start=start or TUESDAY_9, now=clock()
    )


def test_a_confirmed_schedule_tells_the_representative_by_sms_and_email(
    session, directory, clock, ticket
):
    request = schedule(session, ticket, clock)

    assert (request.scheduled_technician.name, request.scheduled_start) == (
        "Dana Whitfield",
        TUESDAY_9,
    )
    assert request.confirmed_at == clock()
    sms, email = notices(session, ticket)
    assert (sms.channel, sms.to_number, sms.kind) == ("sms", directory["jane"].phone, "notice")
    assert sms.body == (
        f"Accelerando: your professional service request #{ticket.number} is scheduled "
        "with Dana Whitfield on Tue 12/8 at 9:00 AM."
    )
    assert (email.channel, email.to_address) == ("email", JANE_EMAIL)
    assert (
        email.subject
        == f"Request #{ticket.number} scheduled: Dana Whitfield on Tue 12/8 at 9:00 AM"
    )
    assert "Dear Jane Doe," in email.body and "limited to 4 hours" in email.body
    lines = [(e.kind, e.message) for e in events_of(session, ticket.id)][-2:]
    assert lines == [
        ("scheduled", "Scheduled with Dana Whitfield on Tue 12/8 at 9:00 AM."),
        ("client_notified", "Jane Doe told of the schedule by SMS and email."),
    ]


def test_a_retry_tells_nobody_again(session, clock, ticket):
    schedule(session, ticket, clock)
    session.commit()
    before = session.scalar(select(func.count()).select_from(TicketEvent))

    clock.advance(timedelta(minutes=2))
    request = schedule(session, ticket, clock, tech="dana whitfield")

    assert len(notices(session, ticket)) == 2
    assert session.scalar(select(func.count()).select_from(TicketEvent)) == before
    assert request.confirmed_at == clock() - timedelta(minutes=2)


def test_a_change_tells_them_again_and_so_does_changing_back(session, directory, clock, ticket):
    schedule(session, ticket, clock)
    schedule(session, ticket, clock, tech="Luis Romero", start=WEDNESDAY_14)
    schedule(session, ticket, clock)

    texts = [n.body for n in notices(session, ticket) if n.channel == "sms"]
    assert len(texts) == 3
    assert texts[1] == (
        f"Accelerando: your professional service request #{ticket.number} is now scheduled "
        "with Luis Romero on Wed 12/9 at 2:00 PM (was Dana Whitfield on Tue 12/8 at 9:00 AM)."
    )
    assert texts[2].endswith(
        "with Dana Whitfield on Tue 12/8 at 9:00 AM (was Luis Romero on Wed 12/9 at 2:00 PM)."
    )
    emails = [n.subject for n in notices(session, ticket) if n.channel == "email"]
    assert emails[1] == f"Request #{ticket.number} rescheduled: Luis Romero on Wed 12/9 at 2:00 PM"
    scheduled = [e.message for e in events_of(session, ticket.id) if e.kind == "scheduled"]
    assert scheduled[1] == (
        "Rescheduled: Luis Romero on Wed 12/9 at 2:00 PM "
        "(was Dana Whitfield on Tue 12/8 at 9:00 AM)."
    )


def test_no_email_address_means_a_text_only(session, directory, clock, ticket):
    directory["jane"].email = None

    schedule(session, ticket, clock)

    assert [n.channel for n in notices(session, ticket)] == ["sms"]
    assert events_of(session, ticket.id)[-1].message == "Jane Doe told of the schedule by SMS."


def test_no_representative_means_nobody_to_tell(session, directory, clock, ticket):
    directory["jane"].is_representative = False

    schedule(session, ticket, clock)

    assert notices(session, ticket) == []
    assert events_of(session, ticket.id)[-1].message == "No client representative to tell."


def test_the_message_follows_the_zone_and_firm_given(session, clock, ticket):
    schedule_request(
        session,
        ticket.number,
        technician="Dana Whitfield",
        start=TUESDAY_9,
        now=clock(),
        timezone="America/Los_Angeles",
        firm_name="Acme IT",
    )

    [sms] = [n for n in notices(session, ticket) if n.channel == "sms"]
    assert sms.body.startswith("Acme IT: your professional service request")
    assert sms.body.endswith("on Tue 12/8 at 6:00 AM.")


@pytest.mark.parametrize(
    ("number", "tech", "start", "error", "message"),
    [
        ("ticket", "Dana Whitfield", "past", DomainError, "the start is in the past"),
        ("ticket", "Zed Nobody", None, NotFound, "no technician named 'Zed Nobody'"),
        (999999, "Dana Whitfield", None, NotFound, "no ticket #999999"),
        ("emergency", "Dana Whitfield", None, DomainError, "is not a help-desk or professional"),
    ],
    ids=["start in the past", "unknown technician", "unknown ticket", "an emergency"],
)
def test_a_refused_schedule_changes_nothing(
    session, clock, ticket, number, tech, start, error, message
):
    if number == "emergency":
        emergency = Ticket(service_class="emergency", classification_reason="weekend")
        session.add(emergency)
        session.flush()
        number = emergency.number
    elif number == "ticket":
        number = ticket.number
    when = clock() - timedelta(minutes=1) if start == "past" else TUESDAY_9
    before = session.scalar(select(func.count()).select_from(OutboxMessage))

    with pytest.raises(error, match=message):
        schedule_request(session, number, technician=tech, start=when, now=clock())

    assert session.scalar(select(func.count()).select_from(OutboxMessage)) == before
    assert service_requests(session, unscheduled=True)[0].scheduled_start is None


def test_a_resolved_ticket_cannot_be_scheduled(session, clock, ticket):
    ticket.status = "resolved"

    with pytest.raises(DomainError, match="is resolved"):
        schedule(session, ticket, clock)


def test_listing_the_unscheduled(session, clock, ticket):
    assert [r.ticket_id for r in service_requests(session, unscheduled=True)] == [ticket.id]

    schedule(session, ticket, clock)

    assert service_requests(session, unscheduled=True) == []
    assert [r.ticket_id for r in service_requests(session)] == [ticket.id]
