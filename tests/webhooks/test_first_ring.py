"""A new call's first webhook in two statements (ticketing/calls/first_ring.py): one read,
one write; on PostgreSQL the write is one statement and, on a real engine, neither needs
a BEGIN or a COMMIT. What the read cannot settle still goes the ORM's way."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bench.calls.counting import RequestCost, SqlCounter
from intake.app import create_app
from intake.db import Database
from tests.support.moments import local
from tests.support.people import JANE
from tests.support.statements import shown, statements
from tests.support.twilio import TwilioPoster, said
from ticketing.calendar.days import add_closure
from ticketing.calendar.stamp import current_stamp
from ticketing.integrations.endpoints import add_endpoint
from ticketing.models import Call, OutboxMessage, Ticket, TicketEvent, WebhookReceipt
from ticketing.timeline import events_of

STRANGER = "+19195550100"


def _tickets(session) -> list[Ticket]:
    return list(session.scalars(select(Ticket).order_by(Ticket.id)))


def test_a_new_call_is_read_once_and_written_once(phone, directory, engine) -> None:
    phone(STRANGER).ring()  # the process reads the calendar once, then keeps it
    with statements(engine) as sent:
        phone(JANE).ring()
    if engine.dialect.name == "postgresql":
        assert len(sent) == 2, shown(sent)
        assert sent[1].startswith("WITH"), shown(sent)
    else:
        # SQLite numbers the ticket as it inserts it; then a statement a table.
        assert len(sent) == 5, shown(sent)
    assert sent[0].startswith("SELECT"), shown(sent)


def test_the_first_lines_keep_their_order(app, phone, session, directory) -> None:
    app.config["SETTINGS"] = app.config["SETTINGS"].with_overrides(live_transfer=True)
    phone(JANE).ring()
    [ticket] = _tickets(session)
    kinds = [event.kind for event in events_of(session, ticket.id)]
    assert kinds == ["call_received", "classified", "caller_identified", "transfer"]
    [call] = session.scalars(select(Call))
    assert call.transfer_technician_id == directory["dana"].id


def test_the_ticket_number_said_is_the_tickets(phone, session, directory) -> None:
    answer = phone(JANE).ring()
    [ticket] = _tickets(session)
    assert ticket.client_id == directory["bakery"].id
    assert ticket.contact_id == directory["jane"].id
    assert "Blue Ridge Bakery" in said(answer)
    assert ticket.status == "open" and ticket.source == "phone" and not ticket.drill


def test_a_stranger_is_asked_for_an_account_number(phone, session, directory) -> None:
    answer = phone(STRANGER).ring()
    assert "account number" in said(answer)
    [ticket] = _tickets(session)
    assert ticket.client_id is None and ticket.caller_number == STRANGER


def test_another_request_of_a_known_call_is_not_a_second_ticket(
    twilio: TwilioPoster, session, directory
) -> None:
    params = {"CallSid": "CA" + "5" * 32, "From": JANE, "To": "+18888991911"}
    first = twilio("/twilio/voice", {**params, "CallStatus": "ringing"})
    # Another request of the same call (its status changed): the view answers it.
    again = twilio("/twilio/voice", {**params, "CallStatus": "in-progress"})
    assert len(_tickets(session)) == 1
    assert said(again) == said(first)


def test_another_tool_owed_the_opening_still_gets_it(phone, session, directory, clock) -> None:
    endpoint = add_endpoint(session, "https://psa.example.com/hooks/intake", now=clock())
    session.commit()
    phone(JANE).ring()
    [ticket] = _tickets(session)
    [owed] = session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "webhook"))
    assert owed.to_number == str(endpoint.id)
    assert f'"ticket":{ticket.id}' in owed.body and "ticket.opened" in owed.body


def test_a_calendar_edit_reaches_the_next_call(app, phone, session, directory, clock) -> None:
    clock.set(local("2026-12-08 10:00"))  # a Tuesday morning: the help desk's menu
    phone(JANE).ring()
    add_closure(session, clock().date(), "Office move")
    session.commit()
    phone(JANE).ring()
    first, second = _tickets(session)
    assert first.service_class == "help_desk"
    assert (second.service_class, second.classification_reason) == (
        "emergency",
        "closure: Office move",
    )


def test_an_edit_gets_a_new_stamp_and_one_rolled_back_leaves_none(session, clock) -> None:
    before = current_stamp(session)
    assert before is not None
    nested = session.begin_nested()
    add_closure(session, clock().date() + timedelta(days=30), "Inventory")
    assert current_stamp(session) not in (None, before)
    nested.rollback()
    assert current_stamp(session) == before


@pytest.fixture
def committed_app(settings, engine, clock):
    """The app on a real engine (production's transactions, not the tests' savepoints); what
    its calls commit is removed afterwards (the migrations' rows stay)."""
    database = Database(settings.database_url, engine=engine)
    app = create_app(settings, database=database, clock=clock)
    app.config["TESTING"] = True
    yield app
    with engine.begin() as conn:
        for table in (WebhookReceipt, TicketEvent, Call, Ticket):
            conn.execute(delete(table))


def test_on_postgresql_the_first_webhook_needs_no_begin_and_no_commit(
    committed_app, engine
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite's round trips are function calls")
    counter = SqlCounter(engine)
    twilio = TwilioPoster(committed_app.test_client())
    cost = counter.current = RequestCost("/twilio/voice")
    answer = twilio("/twilio/voice", {"CallSid": "CA" + "6" * 32, "From": STRANGER})
    counter.current = None
    assert "account number" in said(answer)
    assert (cost.statements, cost.begins, cost.commits) == (2, 0, 0), cost.sql
    assert cost.round_trips <= 3
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Ticket)) == 1
        assert conn.scalar(select(func.count()).select_from(TicketEvent)) == 3
        assert conn.scalar(select(func.count()).select_from(WebhookReceipt)) == 2


def test_a_write_that_fails_leaves_nothing_half_written(committed_app, engine, monkeypatch):
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite holds its write lock from the read: no other writer gets between")
    from ticketing.calls import first_ring

    call_sid, reserve = "CA" + "7" * 32, first_ring.number_ticket

    def raced(session, first, opening):
        # Another worker opens the same call between this request's read and its write.
        with Session(engine) as other:
            ticket = Ticket(service_class="emergency", classification_reason="raced")
            other.add(ticket)
            other.add(
                Call(
                    call_sid=call_sid,
                    ticket=ticket,
                    classified_for=opening.now,
                    service_class="emergency",
                    reason="raced",
                )
            )
            other.commit()
        return reserve(session, first, opening)

    monkeypatch.setattr(first_ring, "number_ticket", raced)
    answer = TwilioPoster(committed_app.test_client())(
        "/twilio/voice", {"CallSid": call_sid, "From": STRANGER}
    )
    assert answer.status_code == 200 and "<Response" in answer.text
    with engine.connect() as conn:
        # The other worker's ticket alone: no ticket, line or receipt of the failed write.
        assert conn.scalar(select(func.count()).select_from(Ticket)) == 1
        assert conn.scalar(select(func.count()).select_from(TicketEvent)) == 0
        assert conn.scalar(select(func.count()).select_from(WebhookReceipt)) == 0
