"""A company in trouble often calls more than once (and asks from the portal too): while one
of its emergencies is still being paged, the next ones join that escalation instead of
waking the same people again with a second one. Unknown callers never join anything."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from intake.clock import FrozenClock
from tests.support.emergencies import emergency
from tests.support.logins import log_in
from tests.support.outbox import outbox
from tests.support.people import DANA, JANE, MARIA
from tests.support.replies import reply_of, text
from tests.support.rows import fresh
from ticketing.models import ServiceClass, Ticket, TicketStatus
from ticketing.paging.escalation import sweep_escalations
from ticketing.paging.models import Escalation, EscalationStatus
from ticketing.timeline import events_of

STRANGER = "+13365550999"
OTHER_STRANGER = "+13365550998"


def _escalations(session) -> list[Escalation]:
    session.expire_all()
    return list(session.scalars(select(Escalation).order_by(Escalation.id)))


def _step_pages(session, ticket: Ticket) -> list[str]:
    """Dedupe keys of the escalation steps' own pages about `ticket`."""
    return [row.dedupe_key for row in outbox(session, ticket_id=ticket.id, kind="page")]


def test_a_second_call_of_the_company_joins_the_running_escalation(phone, session, directory):
    first = emergency(phone, session, words="The registers are down.")
    second = emergency(phone, session, words="Now the card reader is down too.")

    assert [e.ticket_id for e in _escalations(session)] == [first.id]
    assert fresh(session, second).joined_to_id == first.id
    # Dana was paged once for the escalation, then told the new ticket joined it: no
    # second escalation step 0 of her own.
    assert not any(key.startswith(f"esc:{second.id}:") for key in _step_pages(session, second))
    [joined_page] = outbox(session, ticket_id=second.id, kind="page", to_number=DANA)
    assert f"#{first.number}" in joined_page.body and "2 emergencies" in joined_page.body
    lines = " ".join(e.message for e in events_of(session, second.id))
    assert f"#{first.number}" in lines


def test_five_minutes_later_one_voice_page_rings_not_two(phone, session, directory, clock):
    first = emergency(phone, session)
    second = emergency(phone, session)
    clock.advance(timedelta(minutes=5))
    sweep_escalations(session, clock())
    session.commit()

    calls = outbox(session, channel="call", kind="page")
    assert [c.ticket_id for c in calls] == [first.id]
    assert second.id not in {c.ticket_id for c in calls}


def test_later_steps_name_the_joined_tickets(phone, session, directory, clock):
    first = emergency(phone, session)
    second = emergency(phone, session)
    # The second round texts the primary again: that page lists the whole company.
    clock.advance(timedelta(minutes=20))
    sweep_escalations(session, clock())
    session.commit()

    texts = outbox(session, ticket_id=first.id, channel="sms", kind="page", to_number=DANA)
    assert len(texts) == 2
    assert f"#{second.number}" in texts[-1].body and "2 emergencies" in texts[-1].body


def test_acknowledging_the_first_ticket_acknowledges_the_joined_one(
    phone, twilio, session, directory
):
    first = emergency(phone, session)
    second = emergency(phone, session)

    text(twilio, DANA, f"ACK {first.number}")

    assert fresh(session, second).status == TicketStatus.ACKNOWLEDGED
    assert fresh(session, second).acknowledged_by_id == directory["dana"].id
    assert _escalations(session)[0].status == EscalationStatus.ACKNOWLEDGED
    assert outbox(session, kind="page", status="pending") == []


def test_acknowledging_the_joined_ticket_stops_the_whole_escalation(
    phone, twilio, session, directory
):
    first = emergency(phone, session)
    second = emergency(phone, session)

    text(twilio, DANA, f"ACK {second.number}")

    assert fresh(session, first).status == TicketStatus.ACKNOWLEDGED
    assert _escalations(session)[0].status == EscalationStatus.ACKNOWLEDGED
    assert outbox(session, kind="page", status="pending") == []


def test_a_bare_ack_takes_the_company_s_tickets_without_asking_which(
    phone, twilio, session, directory
):
    first = emergency(phone, session)
    second = emergency(phone, session)

    answer = reply_of(text(twilio, DANA, "ACK"))

    assert answer is not None and f"#{first.number}" in answer
    assert fresh(session, first).status == TicketStatus.ACKNOWLEDGED
    assert fresh(session, second).status == TicketStatus.ACKNOWLEDGED


def test_resolving_the_first_ticket_leaves_the_joined_one_acknowledged(
    phone, twilio, session, directory
):
    first = emergency(phone, session)
    second = emergency(phone, session)

    text(twilio, DANA, f"RES {first.number}")

    assert fresh(session, first).status == TicketStatus.RESOLVED
    assert fresh(session, second).status == TicketStatus.ACKNOWLEDGED


def test_unknown_callers_never_join(phone, session, directory):
    a = emergency(phone, session, STRANGER)
    b = emergency(phone, session, OTHER_STRANGER)

    assert a.client_id is None and b.client_id is None
    assert [e.ticket_id for e in _escalations(session)] == [a.id, b.id]
    assert fresh(session, b).joined_to_id is None


def test_another_company_gets_its_own_escalation(phone, session, directory):
    bakery = emergency(phone, session, JANE)
    diner = emergency(phone, session, MARIA)

    assert [e.ticket_id for e in _escalations(session)] == [bakery.id, diner.id]


def test_an_acknowledged_emergency_is_not_joined(phone, twilio, session, directory):
    first = emergency(phone, session)
    text(twilio, DANA, f"ACK {first.number}")
    second = emergency(phone, session)

    assert [e.ticket_id for e in _escalations(session)] == [first.id, second.id]
    assert fresh(session, second).joined_to_id is None


def test_a_portal_request_joins_the_call_being_paged(
    client, portal, phone, session, clock: FrozenClock
):
    call = emergency(phone, session)
    log_in(client, portal.alice)
    client.post("/portal/requests/new?kind=emergency", data={"description": "Still down."})
    session.expire_all()
    request = session.scalars(select(Ticket).order_by(Ticket.id.desc()).limit(1)).one()

    assert request.service_class == ServiceClass.EMERGENCY and request.id != call.id
    assert request.joined_to_id == call.id
    assert request.id not in {e.ticket_id for e in _escalations(session)}


def test_not_an_emergency_on_the_first_ticket_pages_the_joined_one_again(
    phone, twilio, session, directory
):
    first = emergency(phone, session)
    second = emergency(phone, session)

    text(twilio, DANA, f"NE {first.number} printer jam")

    escalations = _escalations(session)
    assert [(e.ticket_id, e.status) for e in escalations] == [
        (first.id, EscalationStatus.CANCELLED),
        (second.id, EscalationStatus.ACTIVE),
    ]
    assert fresh(session, second).joined_to_id is None
    assert any(k.startswith(f"esc:{second.id}:0:") for k in _step_pages(session, second))
