"""`intake helpdesk next|queue` on a temporary SQLite file (the commands commit; the clock is
the real one, so the queue is filled just before each command runs)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from ivr.calendar import HELP_DESK, Classification
from tests.support.cli import Intake, failed
from ticketing.calls import helpdesk, offers
from ticketing.calls import intake as calls
from ticketing.calls.models import Offer, OfferState
from ticketing.directory import add_client, add_contact, add_technician
from ticketing.models import OutboxMessage


class Desk(Intake):
    """One database with the bakery, Dana, and callers put in the queue on demand."""

    def __init__(self, directory: Path) -> None:
        super().__init__(
            directory,
            migrate=True,
            SECRET_KEY="a-test-secret-key-of-32-characters",
            BUSINESS_TIMEZONE="America/New_York",
        )
        self.callers = 0
        with self.database.transaction() as session:
            add_client(session, "Blue Ridge Bakery", "1001", has_msa=True)
            add_contact(session, "1001", "Jane Doe", "+13365550123", is_representative=True)
            self.dana_id = add_technician(session, "Dana Whitfield", "+13365550101").id

    def queue(
        self, minutes_ago: int = 0, result: str | None = None, *, callback: bool = False
    ) -> int:
        """A caller from the bakery queued `minutes_ago`; `result` ends their wait, and with
        `callback` they hung up keeping their place, to be called back."""
        self.callers += 1
        at = datetime.now(UTC) - timedelta(minutes=minutes_ago)
        with self.database.transaction() as session:
            call = calls.open_call(
                session,
                call_sid=f"CA{self.callers:032d}",
                from_raw="+13365550123",
                to_number="+18888991911",
                classification=Classification(HELP_DESK, "business hours", at),
                now=at,
            )
            entry = helpdesk.join_queue(session, call, now=at)
            if callback:
                offers.keep_place(session, entry, "+13365550123", now=at)
            if result:
                helpdesk.leave_queue(session, call, result, 60, now=datetime.now(UTC))
            return call.ticket_id

    def outbox(self) -> list[OutboxMessage]:
        """Every notification owed or sent."""
        return self.read(select(OutboxMessage))


@pytest.fixture
def desk(tmp_path: Path):
    made = Desk(tmp_path)
    yield made
    made.close()


def test_next_calls_the_technician(desk: Desk) -> None:
    for _ in range(3):
        desk.queue()
    result = desk("helpdesk", "next", "--technician", "Dana Whitfield")
    assert result.exit_code == 0, result.output
    assert result.output == "calling Dana Whitfield to take the next caller (3 waiting)\n"
    [row] = desk.outbox()
    assert (row.channel, row.kind, row.to_number) == ("call", "helpdesk", "+13365550101")
    assert row.body == f"/twilio/voice/helpdesk/bridge/{desk.dana_id}"
    assert (row.technician_id, row.status) == (desk.dana_id, "pending")


def test_asking_again_before_the_call_is_placed_changes_nothing(desk: Desk) -> None:
    desk.queue()
    assert desk("helpdesk", "next", "--technician", "dana whitfield").exit_code == 0
    again = desk("helpdesk", "next", "--technician", "Dana Whitfield")
    assert again.exit_code == 0
    assert "already calling Dana Whitfield" in again.output
    assert len(desk.outbox()) == 1


def test_next_when_only_a_callback_waits_rings_the_technician_to_call_back(desk: Desk) -> None:
    number = desk.queue(callback=True)  # not in Twilio's queue: dialling it finds no one
    result = desk("helpdesk", "next", "--technician", "Dana Whitfield")
    assert result.exit_code == 0, result.output
    assert result.output == (
        f"calling Dana Whitfield to call back the next caller (ticket {number}) (1 waiting)\n"
    )
    [offer] = desk.read(select(Offer))
    assert (offer.technician_id, offer.state) == (desk.dana_id, OfferState.RINGING)
    [row] = desk.outbox()  # the whisper first; 1 then calls the caller back
    assert (row.to_number, row.body) == ("+13365550101", f"/twilio/voice/helpdesk/offer/{offer.id}")
    again = desk("helpdesk", "next", "--technician", "Dana Whitfield")
    assert again.output.startswith("already calling Dana Whitfield to call back")
    assert len(desk.outbox()) == 1


def test_next_takes_a_callback_first_in_line_before_a_later_caller_on_hold(desk: Desk) -> None:
    desk.queue(minutes_ago=5, callback=True)
    desk.queue(minutes_ago=1)
    result = desk("helpdesk", "next", "--technician", "Dana Whitfield")
    assert "to call back the next caller" in result.output and "(2 waiting)" in result.output
    [row] = desk.outbox()
    assert row.body.startswith("/twilio/voice/helpdesk/offer/")


def test_next_refuses_an_unknown_technician(desk: Desk) -> None:
    desk.queue()
    failed(desk("helpdesk", "next", "--technician", "Nobody Here"), "no technician named")
    assert desk.outbox() == []


def test_next_refuses_when_nobody_waits(desk: Desk) -> None:
    desk.queue(result="hangup")
    failed(desk("helpdesk", "next", "--technician", "Dana Whitfield"), "nobody is waiting")
    assert desk.outbox() == []


def test_queue_lists_who_waits_and_how_today_went(desk: Desk) -> None:
    first = desk.queue(minutes_ago=7)
    second = desk.queue(minutes_ago=2)
    for result in ("bridged", "leave", "hangup", "hangup"):
        desk.queue(result=result)
    result = desk("helpdesk", "queue")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith(f" 1. #{first}  Blue Ridge Bakery")
    assert "waiting 7 min" in lines[0]
    assert lines[1].startswith(f" 2. #{second}") and "waiting 2 min" in lines[1]
    assert lines[2] == "today: 1 answered, 1 left a message, 2 hung up"


def test_queue_when_empty(desk: Desk) -> None:
    result = desk("helpdesk", "queue")
    assert result.output.splitlines()[0] == "nobody is waiting"
