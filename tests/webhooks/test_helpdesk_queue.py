"""Help-desk calls in business hours: the queue, what waiting callers hear, how they leave,
and a technician taking the next caller (capped at 30 minutes when the queue is busy)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from sandbox.twilio.caller import SimulatedCall
from tests.support.moments import local
from tests.support.twilio import AUTH_TOKEN, PUBLIC_BASE_URL, said, twiml
from ticketing.calls.models import QueueEntry
from ticketing.models import Ticket, TicketEvent

JANE, MARIA = "+13365550123", "+13365550167"
WAIT, KEY, DONE = "/twilio/voice/queue/wait", "/twilio/voice/queue/key", "/twilio/voice/queue/done"
TECH_LEG = "CA" + "7" * 32


pytestmark = pytest.mark.usefixtures("tuesday_morning")


def queued(phone, number: str = JANE):
    """A call that chose the help desk (key 2) and is now in the queue."""
    call = phone(number)
    call.ring()
    call.post("/twilio/voice/menu/1", Digits="2")
    return call


def wait_at(call, position: int, queue_time: int = 60):
    """Twilio fetching the wait URL for this caller."""
    return call.post(
        WAIT,
        QueuePosition=str(position),
        QueueTime=str(queue_time),
        AvgQueueTime="60",
        CurrentQueueSize=str(position),
        QueueSid="QU" + "1" * 32,
    )


def entry_of(session, call) -> QueueEntry:
    session.expire_all()
    return session.scalars(
        select(QueueEntry).where(QueueEntry.call_sid == call.base["CallSid"])
    ).one()


def timeline(session, ticket_id: int) -> list[str]:
    stmt = select(TicketEvent.message).where(TicketEvent.ticket_id == ticket_id)
    return list(session.scalars(stmt.order_by(TicketEvent.id)))


def bridge(twilio, tech_id: int, **extra: str):
    """The technician's phone answers the call `intake helpdesk next` placed."""
    params = {"CallSid": TECH_LEG, "To": "+13365550101", "From": "+18888991911"}
    params |= {"Direction": "outbound-api", "CallStatus": "in-progress", **extra}
    return twilio(f"/twilio/voice/helpdesk/bridge/{tech_id}", params)


def connect(call, tech_id: int, capped: int = 0, queue_time: int = 240):
    """Twilio runs the Queue url on the dequeued caller's leg."""
    path = f"/twilio/voice/helpdesk/connect/{tech_id}/{capped}"
    return call.post(path, QueueTime=str(queue_time), DequeingCallSid=TECH_LEG)


def use_settings(app, **changes) -> None:
    app.config["SETTINGS"] = app.config["SETTINGS"].with_overrides(**changes)


# --- joining -------------------------------------------------------------------------


def test_key_2_tells_the_terms_and_enqueues(phone, session, directory, clock) -> None:
    call = phone(JANE)
    call.ring()
    answer = call.post("/twilio/voice/menu/1", Digits="2")
    root = twiml(answer)
    assert "A representative of your organisation must take part in the session" in said(answer)
    assert [el.tag for el in root][-1] == "Enqueue"  # the notice is heard before waiting
    enqueue = root.find("Enqueue")
    assert enqueue.text == "helpdesk"
    assert enqueue.get("waitUrl") == WAIT and enqueue.get("waitUrlMethod") == "POST"
    assert enqueue.get("action") == DONE and enqueue.get("method") == "POST"
    entry = entry_of(session, call)
    ticket = session.get(Ticket, entry.ticket_id)
    assert entry.queued_at == clock() and entry.outcome is None
    assert ticket.service_class == "help_desk" and ticket.client.name == "Blue Ridge Bakery"
    assert "Queued for the help desk." in timeline(session, ticket.id)


def test_two_silent_menus_default_to_the_queue(phone, session, directory) -> None:
    call = phone(JANE)
    call.ring()
    call.post("/twilio/voice/menu/1")
    answer = call.post("/twilio/voice/menu/2")
    assert twiml(answer).find("Enqueue") is not None
    assert entry_of(session, call).outcome is None


# --- waiting -------------------------------------------------------------------------


def test_position_and_estimate_count_down_as_callers_ahead_leave(phone, session, directory) -> None:
    call = queued(phone)
    heard = []
    for position in (3, 2, 1):
        answer = wait_at(call, position)
        gather = twiml(answer).find("Gather")
        assert gather.get("action") == KEY and gather.get("numDigits") == "1"
        heard.append(said(answer))
        assert twiml(answer).find("Play") is not None  # hold music until the next round
    assert "You are number 3 in line" in heard[0] and "about 30 minutes" in heard[0]
    assert "You are number 2 in line" in heard[1] and "about 20 minutes" in heard[1]
    assert "You are number 1 in line" in heard[2] and "about 10 minutes" in heard[2]
    assert "Press 1 to hang up and keep your place in line" in heard[2]
    assert "Press any other key to leave a message instead." in heard[2]
    assert session.scalars(select(QueueEntry)).all() == [entry_of(session, call)]


def test_the_estimate_uses_recent_help_desk_sessions(
    phone, twilio, session, directory, clock
) -> None:
    first = queued(phone)
    connect(first, directory["dana"].id, queue_time=120)
    clock.advance(timedelta(minutes=4))  # a four-minute session
    first.post("/twilio/voice/status", CallStatus="completed", SequenceNumber="3")
    second = queued(phone, MARIA)
    assert "about 8 minutes" in said(wait_at(second, 2))


def test_without_finished_sessions_the_estimate_uses_recent_waits(
    phone, session, directory
) -> None:
    first = queued(phone)
    connect(first, directory["dana"].id, queue_time=180)  # still talking
    second = queued(phone, MARIA)
    assert "about 6 minutes" in said(wait_at(second, 2))


def test_a_short_wait_is_less_than_a_minute(phone, session, directory) -> None:
    for number in (JANE, MARIA):
        connect(queued(phone, number), directory["dana"].id, queue_time=10)
    # Recent callers waited ten seconds: the next one in line will not wait long.
    assert "The expected wait is less than a minute." in said(
        wait_at(queued(phone, "+13365550199"), 1)
    )


def test_hold_music_when_configured(phone, session, directory, app) -> None:
    use_settings(app, hold_music_url="https://cdn.example.com/hold.mp3")
    answer = wait_at(queued(phone), 1)
    assert twiml(answer).find("Play").text == "https://cdn.example.com/hold.mp3"
    assert twiml(answer).find("Pause") is None


# --- leaving -------------------------------------------------------------------------


def test_a_key_leaves_the_queue_to_leave_a_message(phone, session, directory) -> None:
    call = queued(phone)
    wait_at(call, 2)
    left = call.post(KEY, Digits="5")
    assert [el.tag for el in twiml(left)] == ["Leave"]
    answer = call.post(DONE, QueueResult="leave", QueueTime="95")
    assert "You have left the queue" in said(answer)
    assert twiml(answer).find("Record").get("action") == "/twilio/voice/recorded"
    call.record()
    goodbye = call.post("/twilio/voice/callback/confirm", Digits="1")
    assert "The help desk will call you back" in said(goodbye)
    entry = entry_of(session, call)
    ticket = session.get(Ticket, entry.ticket_id)
    assert (entry.outcome, entry.wait_seconds) == ("message", 95)
    assert entry.left_at is not None
    assert ticket.callback_number == JANE and ticket.intake_completed_at is not None
    assert ticket.recording_sid == "RE0001"
    assert "Left the help-desk queue after 2 min to leave a message." in timeline(
        session, ticket.id
    )


def test_hanging_up_while_waiting_finishes_the_ticket(phone, session, directory) -> None:
    call = queued(phone)
    answer = call.post(DONE, QueueResult="hangup", QueueTime="200")
    assert twiml(answer).find("Hangup") is not None
    call.post("/twilio/voice/status", CallStatus="completed", SequenceNumber="2")
    entry = entry_of(session, call)
    ticket = session.get(Ticket, entry.ticket_id)
    assert (entry.outcome, entry.wait_seconds) == ("hung_up", 200)
    assert ticket.intake_completed_at is not None and ticket.callback_number == JANE
    events = timeline(session, ticket.id)
    assert "Hung up after 3 min in the help-desk queue." in events
    assert sum(e.startswith("Intake complete") for e in events) == 1


def test_queue_full_takes_a_message(phone, session, directory) -> None:
    call = queued(phone)
    answer = call.post(DONE, QueueResult="queue-full")
    assert "could not keep you in the help-desk queue" in said(answer)
    assert twiml(answer).find("Record") is not None
    assert entry_of(session, call).outcome == "error"


def test_closing_time_offers_a_message_and_leaves(phone, session, directory, clock) -> None:
    clock.set(local("2026-12-08 16:50"))
    call = queued(phone)
    clock.set(local("2026-12-08 16:59:30"))
    assert twiml(wait_at(call, 1)).find("Gather") is not None  # still open
    clock.set(local("2026-12-08 17:00"))
    closed = wait_at(call, 1, queue_time=600)
    assert "help desk is now closed" in said(closed)
    assert "Our business hours are Monday to Friday, 8 AM to 5 PM." in said(closed)
    assert [el.tag for el in twiml(closed)][-1] == "Leave"
    answer = call.post(DONE, QueueResult="leave", QueueTime="600")
    assert twiml(answer).find("Record") is not None
    entry = entry_of(session, call)
    assert (entry.outcome, entry.wait_seconds) == ("closed", 600)
    assert "Still waiting at closing time after 10 min" in " ".join(
        timeline(session, entry.ticket_id)
    )


def test_closing_time_tells_the_configured_hours(app, phone, session, directory, clock) -> None:
    use_settings(app, business_hours="Mon-Thu 07:30-16:00; Fri 07:30-12:00")
    clock.set(local("2026-12-08 15:50"))
    call = queued(phone)
    clock.set(local("2026-12-08 16:00"))
    closed = said(wait_at(call, 1, queue_time=600))

    assert "help desk is now closed" in closed
    hours = "Monday to Thursday, 7:30 AM to 4 PM; Friday, 7:30 AM to noon"
    assert f"Our business hours are {hours}." in closed
    assert "5 PM" not in closed


def test_the_wait_url_queues_a_call_that_came_another_way(phone, session, directory) -> None:
    """A call moved to the help desk by a redirect has no entry yet: the first wait makes one."""
    call = phone(JANE)
    call.ring()
    assert "You are number 1 in line" in said(wait_at(call, 1))
    assert entry_of(session, call).outcome is None


# --- the technician takes the next caller --------------------------------------------


@pytest.mark.parametrize(
    ("waiting", "busy", "capped"),
    [(2, 3, False), (3, 3, True), (4, 3, True), (1, 2, False), (2, 2, True)],
)
def test_the_session_is_capped_when_the_queue_is_busy(
    phone, twilio, session, directory, app, waiting, busy, capped
) -> None:
    use_settings(app, helpdesk_busy_queue=busy)
    numbers = [f"+1336555{n:04d}" for n in range(200, 200 + waiting)]
    callers = [queued(phone, number) for number in numbers]
    first = callers[0]
    dana = directory["dana"].id
    answer = bridge(twilio, dana, AnsweredBy="human")
    assert said(answer).startswith("Connecting you to the next caller.")
    dial = twiml(answer).find("Dial")
    assert dial.get("timeLimit") == ("1800" if capped else None)
    queue = dial.find("Queue")
    assert queue.text == "helpdesk"
    assert queue.get("url") == f"/twilio/voice/helpdesk/connect/{dana}/{int(capped)}"
    heard = said(connect(first, dana, capped=int(capped)))
    assert "You are now connected to a technician." in heard
    notice = "This session is limited to 30 minutes because others are waiting."
    assert (notice in said(answer)) is capped  # the technician hears it too
    assert (notice in heard) is capped
    assert entry_of(session, first).capped is capped


def test_connect_marks_the_caller_answered(phone, twilio, session, directory) -> None:
    call = queued(phone)
    dana = directory["dana"]
    connect(call, dana.id, queue_time=240)
    connect(call, dana.id, queue_time=240)  # Twilio retries: nothing twice
    entry = entry_of(session, call)
    assert (entry.outcome, entry.technician_id, entry.wait_seconds) == ("answered", dana.id, 240)
    assert entry.left_at is not None and entry.capped is False
    events = timeline(session, entry.ticket_id)
    assert events.count("Answered by Dana Whitfield after 4 min in the queue.") == 1
    assert session.get(Ticket, entry.ticket_id).intake_completed_at is not None
    goodbye = call.post(DONE, QueueResult="bridged", QueueTime="240")
    assert "Thank you for calling Accelerando. Goodbye." in said(goodbye)
    assert entry_of(session, call).outcome == "answered"
    assert "Nobody is waiting" in said(bridge(twilio, dana.id))


def test_bridge_with_nobody_waiting(phone, twilio, session, directory) -> None:
    call = queued(phone)
    call.post(DONE, QueueResult="hangup", QueueTime="30")
    answer = bridge(twilio, directory["dana"].id)
    assert said(answer) == "Nobody is waiting. Goodbye."
    assert twiml(answer).find("Dial") is None
    assert twiml(answer).find("Hangup") is not None


def test_a_voicemail_never_takes_a_caller(phone, twilio, session, directory) -> None:
    queued(phone)
    answer = bridge(twilio, directory["dana"].id, AnsweredBy="machine_start")
    assert twiml(answer).find("Dial") is None


def test_a_later_result_does_not_overwrite_how_it_ended(phone, session, directory) -> None:
    call = queued(phone)
    call.post(DONE, QueueResult="leave", QueueTime="50")
    call.post(DONE, QueueResult="hangup", QueueTime="70")
    entry = entry_of(session, call)
    assert (entry.outcome, entry.wait_seconds) == ("message", 50)


@pytest.mark.parametrize(
    "path",
    [WAIT, KEY, DONE, "/twilio/voice/helpdesk/bridge/1", "/twilio/voice/helpdesk/connect/1/0"],
)
def test_unsigned_queue_requests_are_refused(client, session, directory, path) -> None:
    answer = client.post(path, data={"CallSid": "CA" + "9" * 32, "QueueResult": "leave"})
    assert answer.status_code == 403
    assert session.scalars(select(QueueEntry)).all() == []


# --- the demo caller -----------------------------------------------------------------


def test_a_demo_caller_presses_a_key_to_leave_a_message(client, session, directory) -> None:
    from tests.support.sandbox import routed_to_app

    lines: list[str] = []
    with routed_to_app(client, PUBLIC_BASE_URL):
        transcript = SimulatedCall(
            PUBLIC_BASE_URL,
            AUTH_TOKEN,
            from_number=JANE,
            keys=["2", "9", "The printer is offline", "1"],
            out=lines.append,
        ).run()
    assert transcript.error is None, lines
    assert "You are number 1 in line." in transcript.said
    assert any("Your ticket number is" in line for line in transcript.said)
    entry = session.scalars(select(QueueEntry)).one()
    ticket = session.get(Ticket, entry.ticket_id)
    assert entry.outcome == "message"
    assert ticket.description == "The printer is offline"
