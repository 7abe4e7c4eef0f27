"""A call's ticket locked as the call is loaded: read once per transaction, and two
webhooks of one call completing its intake at once page it once."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from tests.support.people import DANA, JANE
from tests.support.statements import statements
from ticketing.calls.intake import complete_intake
from ticketing.calls.locking import call_for_update, locked_ticket
from ticketing.directory import add_technician
from ticketing.models import Call, OutboxMessage, Ticket
from ticketing.oncall.roster import set_on_call
from ticketing.paging.models import Escalation

SID = "CA" + "7" * 32


@pytest.fixture
def ringing(phone, directory) -> None:
    """An after-hours call whose first webhook opened its ticket."""
    phone(JANE, SID).ring()


def test_a_ticket_locked_with_its_call_is_not_read_again(ringing, session, engine) -> None:
    call = call_for_update(session, SID)
    assert call is not None and call.ticket.client.name == "Blue Ridge Bakery"
    with statements(engine) as sent:
        assert locked_ticket(session, call) is call.ticket
    assert sent == []


def test_a_new_transaction_locks_it_again(ringing, session, engine) -> None:
    call = call_for_update(session, SID)
    session.commit()
    with statements(engine) as sent:
        assert locked_ticket(session, call) is call.ticket
    assert len(sent) == 1 and "FROM tickets" in sent[0]


def test_a_lock_taken_in_a_savepoint_rolled_back_is_taken_again(ringing, session, engine) -> None:
    nested = session.begin_nested()
    call = call_for_update(session, SID)
    nested.rollback()  # PostgreSQL releases the row locks taken inside it
    with statements(engine) as sent:
        locked_ticket(session, call)
    assert len(sent) == 1


def test_two_webhooks_completing_one_intake_at_once_page_once(engine, wipe_database, clock):
    if engine.dialect.name != "postgresql":
        pytest.skip("row locks are a PostgreSQL matter; SQLite serialises writers")
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    with factory.begin() as setup:
        add_technician(setup, "Dana Whitfield", DANA)
        set_on_call(setup, "Dana Whitfield", now=clock())
        ticket = Ticket(service_class="emergency", caller_number=JANE, opened_at=clock())
        setup.add(ticket)
        setup.flush()
        setup.add(
            Call(
                call_sid=SID,
                ticket_id=ticket.id,
                caller_e164=JANE,
                started_at=clock(),
                classified_for=clock(),
                service_class="emergency",
                reason="weekend",
            )
        )
    outcomes: list[bool] = []
    errors: list[BaseException] = []

    def hang_up() -> None:
        try:
            with factory.begin() as other:
                call = call_for_update(other, SID)  # waits for the confirmation's commit
                outcomes.append(complete_intake(other, call, now=clock(), how="hung up"))
        except BaseException as exc:  # surfaced below: a thread's failure must fail the test
            errors.append(exc)

    with factory() as confirming:
        call = call_for_update(confirming, SID)
        thread = threading.Thread(target=hang_up)
        thread.start()
        time.sleep(0.3)
        assert thread.is_alive()  # held at the ticket's row lock
        assert complete_intake(confirming, call, now=clock(), how="callback number confirmed")
        confirming.commit()
    thread.join(timeout=10)
    assert errors == [] and outcomes == [False]
    with factory() as check:
        assert len(check.scalars(select(OutboxMessage)).all()) == 1
        assert len(check.scalars(select(Escalation)).all()) == 1
        assert check.scalars(select(Ticket.intake_completed_at)).one() == clock()
