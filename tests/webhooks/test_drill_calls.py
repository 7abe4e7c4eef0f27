"""Drill calls on a real instance: only a marker signed with the instance's own token may
pretend a moment; the drill's ticket is marked, paged as DRILL, and pages only `--page`."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from intake.clock import FrozenClock
from tests.support.drills import DrillPhoneCall, marker
from tests.support.people import DANA, JANE, LUIS
from tests.support.twilio import said, twiml
from ticketing.models import OutboxKind, OutboxMessage, Ticket
from ticketing.paging.models import Escalation
from webhooks.drill_marker import DRILL_HEADER, SIGNATURE_HEADER

CHRISTMAS_EVE_NIGHT = "2026-12-24 21:30"
STRANGER = "+13365550199"


@pytest.fixture
def drill_phone(twilio):
    """`drill_phone(number)`: a call whose steps may carry a drill marker."""
    # Numbered apart from `phone`'s calls, which count from 1.
    counter = iter(range(5001, 6000))
    return lambda number: DrillPhoneCall(twilio, f"CA{next(counter):032d}", number)


def _tickets(session) -> list[Ticket]:
    return list(session.scalars(select(Ticket)))


def _pages(session) -> list[OutboxMessage]:
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.kind == OutboxKind.PAGE)
            .order_by(OutboxMessage.id)
        )
    )


def _emergency_call(call: DrillPhoneCall) -> None:
    call.ring()
    call.record()
    call.post("/twilio/voice/callback/confirm", Digits="1")


def test_a_drill_on_christmas_eve_night_is_an_emergency_paged_as_drill(
    drill_phone, session, directory, clock: FrozenClock, tuesday_morning
) -> None:
    call = drill_phone(STRANGER).drill(marker(CHRISTMAS_EVE_NIGHT, clock()))
    greeting = call.ring()
    assert "Emergency rates apply" in said(greeting) or twiml(greeting).find("Gather")
    _emergency_call(call)
    [ticket] = _tickets(session)
    assert ticket.drill and ticket.drill_page_to is None
    assert ticket.service_class == "emergency"
    assert ticket.classification_reason == "holiday: Christmas Eve"
    assert any(e.kind == "drill" and "Thu 2026-12-24 21:30" in e.message for e in ticket.events)
    [page] = _pages(session)
    assert page.to_number == DANA  # on call now, in the real rota
    assert page.body.startswith(f"DRILL EMERGENCY #{ticket.number}")


def test_without_a_marker_the_same_moment_is_now(drill_phone, session, directory, tuesday_morning):
    call = drill_phone(STRANGER)
    twiml(call.ring())
    [ticket] = _tickets(session)
    assert not ticket.drill
    assert ticket.classification_reason == "business hours"


def test_later_steps_keep_the_stored_moment_whatever_they_carry(
    drill_phone, session, directory, clock, tuesday_morning
) -> None:
    call = drill_phone(STRANGER).drill(marker(CHRISTMAS_EVE_NIGHT, clock()))
    call.ring()
    # A later step with another (validly signed) moment changes nothing: the call is open.
    call.drill(marker("2026-12-08 10:00", clock()))
    call.record()
    call.headers = {}
    call.post("/twilio/voice/callback/confirm", Digits="1")
    [ticket] = _tickets(session)
    assert ticket.drill and ticket.classification_reason == "holiday: Christmas Eve"
    assert [p.body[:5] for p in _pages(session)] == ["DRILL"]


@pytest.mark.parametrize(
    "forge",
    ["wrong token", "unsigned", "another call", "stale", "tampered", "signature alone"],
)
def test_a_forged_marker_is_refused_and_changes_nothing(
    drill_phone, session, directory, clock: FrozenClock, forge: str
) -> None:
    call = drill_phone(STRANGER)
    found = marker(CHRISTMAS_EVE_NIGHT, clock())
    if forge == "wrong token":
        call.drill(found, token="not-the-instance-token")
    elif forge == "unsigned":
        call.drill(found).headers.pop(SIGNATURE_HEADER)
    elif forge == "another call":
        call.drill(found)
        call.base["CallSid"] = "CA" + "9" * 32
    elif forge == "stale":
        call.drill(marker(CHRISTMAS_EVE_NIGHT, clock() - timedelta(hours=1)))
    elif forge == "tampered":
        call.drill(found).headers[DRILL_HEADER] = found.value.replace("21%3A30", "22%3A30")
    else:
        call.drill(found).headers.pop(DRILL_HEADER)
    response = call.ring()
    assert response.status_code == 403
    assert _tickets(session) == []


def test_page_only_that_technician(drill_phone, session, directory, clock) -> None:
    call = drill_phone(STRANGER).drill(marker(CHRISTMAS_EVE_NIGHT, clock(), page_to=LUIS))
    _emergency_call(call)
    [ticket] = _tickets(session)
    assert ticket.drill_page_to == LUIS
    pages = _pages(session)
    assert [p.to_number for p in pages] == [LUIS]
    assert pages[0].body.startswith("DRILL")
    # Every later step, and the second round, still pages Luis alone.
    clock.advance(timedelta(minutes=40))
    from ticketing.paging.escalation import sweep_escalations

    sweep_escalations(session, clock())
    session.flush()
    assert {p.to_number for p in _pages(session)} == {LUIS}
    assert all(p.body.startswith("DRILL") for p in _pages(session) if p.channel == "sms")


def test_page_a_number_that_is_no_technician_texts_it_once(
    drill_phone, session, directory, clock
) -> None:
    number = "+13365550177"
    call = drill_phone(STRANGER).drill(marker(CHRISTMAS_EVE_NIGHT, clock(), page_to=number))
    _emergency_call(call)
    [page] = _pages(session)
    assert page.to_number == number and page.body.startswith("DRILL EMERGENCY")
    escalation = session.scalar(select(Escalation))
    assert escalation.status == "cancelled"


def test_a_drill_of_a_client_s_caller_never_joins_or_tells_the_client(
    drill_phone, phone, session, directory, clock
) -> None:
    real = phone(JANE)
    _emergency_call(real)
    drill = drill_phone(JANE).drill(marker(CHRISTMAS_EVE_NIGHT, clock()))
    _emergency_call(drill)
    real_ticket, drill_ticket = sorted(_tickets(session), key=lambda t: t.id)
    assert drill_ticket.drill and drill_ticket.joined_to_id is None
    from ticketing.paging.responses import acknowledge

    acknowledge(session, drill_ticket, directory["dana"], now=clock(), via="test")
    session.flush()
    told = session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.kind == OutboxKind.NOTICE, OutboxMessage.ticket_id == drill_ticket.id
        )
    ).all()
    assert told == []
    assert not real_ticket.drill


def test_the_voice_page_of_a_drill_starts_with_drill(
    drill_phone, twilio, session, directory, clock
) -> None:
    call = drill_phone(STRANGER).drill(marker(CHRISTMAS_EVE_NIGHT, clock(), page_to=DANA))
    _emergency_call(call)
    [ticket] = _tickets(session)
    from ticketing.outbox import enqueue_call

    page = enqueue_call(session, ticket, directory["dana"], key="voice", now=clock(), step=1)
    session.commit()
    params = {"CallSid": "CA" + "7" * 32, "AnsweredBy": "human", "CallStatus": "in-progress"}
    heard = said(twilio(f"/twilio/voice/page/{page.id}", params))
    assert heard.startswith("DRILL. This is a drill")
