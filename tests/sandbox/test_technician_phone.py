"""The phone simulator plays every part: the technician's phone answers what the service
rings (a voice page, a live transfer's whisper, a help-desk bridge), presses keys, and is
connected to the simulated caller; a redirect moves the caller's live leg."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.clock import FrozenClock
from intake.db import Database
from sandbox.phone.simulator import sim_store
from tests.support.forms import csrf_token
from tests.support.phone_simulator import (
    caller_words,
    press,
    ringing,
    start,
    technician,
    technician_words,
)
from tests.support.sandbox import Night
from ticketing.calls import helpdesk
from ticketing.calls.models import QueueEntry, QueueOutcome
from ticketing.models import OutboxMessage, Ticket, TicketStatus

MONDAY_MORNING = "2026-12-07T10:00"


def _ticket(session: Session) -> Ticket:
    stmt = select(Ticket).order_by(Ticket.id.desc()).execution_options(populate_existing=True)
    ticket = session.scalars(stmt).first()
    assert ticket is not None
    return ticket


def _night_call(staff: FlaskClient, words: str = "The card reader is dead") -> Any:
    """An emergency caller whose live transfer rings out, and who leaves a message."""
    page = start(staff)
    assert 'id="phone-dialing"' in page.text  # the on-call technician's phone rings first
    [whisper] = ringing(page)
    page = press(staff, page, action="ring-out")
    assert 'name="speech"' in page.text, caller_words(page)
    page = press(staff, page, action="say", speech=words)
    return page, whisper


def test_a_voice_page_answered_with_key_4_acknowledges_the_ticket(
    staff: FlaskClient, night: Night, clock: FrozenClock, session: Session, directory: Any
) -> None:
    page, _ = _night_call(staff)
    page = press(staff, page, action="keys", key="1")
    assert 'id="phone-ended"' in page.text
    night.tick()
    night.wait(minutes=5)  # the policy's second step rings the primary
    page = staff.get(page.request.path)
    [call_sid] = ringing(page)
    page = technician(staff, page, call_sid, "answer")
    heard = technician_words(page)
    assert "The caller said: The card reader is dead" in heard and "Press 4" in heard
    page = technician(staff, page, call_sid, "keys", key="4")
    assert "is yours, and paging has stopped" in technician_words(page)
    ticket = _ticket(session)
    assert ticket.status == TicketStatus.ACKNOWLEDGED
    assert ticket.acknowledged_by_id == directory["dana"].id
    # The page call hung up after the confirmation: its final status reached the service.
    [voice_page] = [m for m in night.outbox() if m.provider_sid == call_sid]
    assert voice_page.delivery_status == "completed"


def test_a_live_transfer_accepted_with_1_connects_the_caller(
    staff: FlaskClient, session: Session, directory: Any
) -> None:
    page = start(staff)
    [whisper] = ringing(page)
    page = technician(staff, page, whisper, "answer")
    assert "Emergency call from Blue Ridge Bakery. Press 1 to accept." in technician_words(page)
    page = technician(staff, page, whisper, "keys", key="1")
    assert "connected to the caller" in technician_words(page)
    assert 'id="phone-bridged"' in page.text
    assert _ticket(session).acknowledged_by_id == directory["dana"].id
    page = technician(staff, page, whisper, "hangup")
    assert "Thank you for calling. Goodbye." in caller_words(page)
    assert 'id="phone-ended"' in page.text


def test_a_declined_whisper_sends_the_caller_on_to_the_message(staff: FlaskClient) -> None:
    page = start(staff)
    [whisper] = ringing(page)
    page = technician(staff, page, whisper, "answer")
    page = technician(staff, page, whisper, "keys", key="9")
    assert "could not take your call right now" in caller_words(page)
    assert 'name="speech"' in page.text


def test_the_bridge_connects_the_waiting_caller_to_the_technician(
    staff: FlaskClient, night: Night, database: Database, clock: FrozenClock, session: Session
) -> None:
    page = start(staff, at=MONDAY_MORNING)
    page = press(staff, page, action="keys", key="2")  # the help desk
    assert 'id="phone-queue"' in page.text
    with database.sessionmaker.begin() as s:
        helpdesk.request_next(s, "Luis Romero", now=clock())
    night.tick()
    page = staff.get(page.request.path)
    [bridge] = ringing(page)
    page = technician(staff, page, bridge, "answer")
    assert "Connecting you to the next caller." in technician_words(page)
    assert "connected to the caller from +13365550123" in technician_words(page)
    assert "You are now connected to a technician." in caller_words(page)
    assert 'id="phone-bridged"' in page.text
    entry = session.scalars(select(QueueEntry).execution_options(populate_existing=True)).one()
    assert entry.outcome == QueueOutcome.ANSWERED and entry.technician is not None
    assert entry.technician.name == "Luis Romero"
    page = technician(staff, page, bridge, "hangup")
    assert "Goodbye" in caller_words(page) and 'id="phone-ended"' in page.text


def test_the_caller_hanging_up_ends_the_technicians_bridge(
    staff: FlaskClient, night: Night, database: Database, clock: FrozenClock
) -> None:
    page = start(staff, at=MONDAY_MORNING)
    page = press(staff, page, action="keys", key="2")
    with database.sessionmaker.begin() as s:
        helpdesk.request_next(s, "Luis Romero", now=clock())
    night.tick()
    page = staff.get(page.request.path)
    [bridge] = ringing(page)
    page = technician(staff, page, bridge, "answer")
    page = press(staff, page, action="hangup")
    assert 'id="phone-ended"' in page.text
    assert "Connected to the caller." not in technician_words(page)
    assert "call ended" in technician_words(page)


def test_a_redirect_moves_the_callers_live_leg(
    staff: FlaskClient, night: Night, session: Session, directory: Any
) -> None:
    page, _ = _night_call(staff)
    assert 'aria-label="Keypad"' in page.text  # still on the line: confirming the number
    night.tick()
    ticket = _ticket(session)
    form_page = staff.get(page.request.path)
    reply = {"technician": str(directory["dana"].id), "body": f"NE {ticket.number}"}
    reply["csrf_token"] = csrf_token(form_page.text)
    staff.post(page.request.path + "/reply", data=reply)
    night.tick()  # the relay redirects the live call through the sandbox's REST API
    [redirect] = [m for m in night.outbox() if m.channel == "redirect"]
    assert redirect.provider_sid
    page = staff.get(page.request.path)
    heard = caller_words(page)
    assert "does not meet the definition of Emergency Services" in heard
    assert "The help desk is closed now." in heard


def test_a_page_left_to_ring_out_reports_no_answer(
    staff: FlaskClient, night: Night, session: Session
) -> None:
    page, _ = _night_call(staff)
    press(staff, page, action="keys", key="1")
    night.tick()
    night.wait(minutes=5)
    page = staff.get(page.request.path)
    [call_sid] = ringing(page)
    technician(staff, page, call_sid, "decline")
    [voice_page] = [
        m
        for m in session.scalars(select(OutboxMessage).execution_options(populate_existing=True))
        if m.provider_sid == call_sid
    ]
    assert voice_page.delivery_status == "no-answer"


def test_a_caller_the_simulator_forgets_in_the_queue_hangs_up(
    staff: FlaskClient, app: Any, session: Session
) -> None:
    page = start(staff, at=MONDAY_MORNING)
    page = press(staff, page, action="keys", key="2")
    assert 'id="phone-queue"' in page.text
    sims = sim_store(app)
    queued = sims.get(page.request.path.rsplit("/", 1)[1])
    assert queued is not None
    queued.touched -= sims.ttl + 1  # left alone longer than the simulator keeps a call
    start(staff, at=MONDAY_MORNING)  # the next visitor's request hangs it up
    entry = session.scalars(
        select(QueueEntry)
        .where(QueueEntry.call_sid == queued.transcript.call_sid)
        .execution_options(populate_existing=True)
    ).one()
    assert entry.outcome == QueueOutcome.HUNG_UP
    assert app.extensions["sandbox"].call(queued.transcript.call_sid).status == "completed"
