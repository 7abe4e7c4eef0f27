"""Several emergencies whose voice pages fall due to one technician together ring that phone
once, and the call says how many are waiting; not three calls fighting over one phone.
No page is lost on the way: every row is sent (sharing the call), and a call nobody
answers moves every escalation it carried."""

from __future__ import annotations

import random
from datetime import timedelta

from intake.clock import FrozenClock
from scheduler.relay import relay_due
from tests.support.fake_transport import RecordingMessenger
from tests.support.outbox import CALL_CALLBACK, SMS_CALLBACK, outbox
from tests.support.people import DANA, LUIS
from tests.support.rows import fresh
from tests.support.twilio import said
from ticketing.models import Ticket, TicketStatus
from ticketing.oncall.roster import set_on_call
from ticketing.paging.escalation import escalation_of, start_escalation, sweep_escalations
from ticketing.paging.policies import set_policy

CALL_STATUS = "/twilio/voice/page/status"


def _unknown_callers(session, clock: FrozenClock, count: int) -> list[Ticket]:
    """`count` emergencies of unknown callers (they never join each other), paged now."""
    tickets = []
    for n in range(count):
        ticket = Ticket(
            service_class="emergency",
            classification_reason="weekend",
            callback_number=f"+1336555099{n}",
            description=f"Server {n} is down.",
        )
        session.add(ticket)
        session.flush()
        start_escalation(session, ticket, now=clock())
        tickets.append(ticket)
    session.commit()
    return tickets


def _tick(database, messenger, clock: FrozenClock):
    return relay_due(
        database.sessionmaker,
        messenger,
        clock(),
        status_callback_url=SMS_CALLBACK,
        call_status_callback_url=CALL_CALLBACK,
        public_base_url="https://intake.example.com",
        rng=random.Random(3),
    )


def _voice_pages_due(session, database, messenger, clock: FrozenClock, count: int = 3):
    """`count` emergencies paged by text now, and five minutes later by voice."""
    tickets = _unknown_callers(session, clock, count)
    _tick(database, messenger, clock)  # the texts of step 0
    clock.advance(timedelta(minutes=5))
    sweep_escalations(session, clock())
    session.commit()
    _tick(database, messenger, clock)
    return tickets


def _answer(twilio, page_id: int, sid: str):
    return twilio(
        f"/twilio/voice/page/{page_id}",
        {"CallSid": sid, "AnsweredBy": "human", "CallStatus": "in-progress"},
    )


def test_three_voice_pages_due_together_ring_the_phone_once(database, session, directory, clock):
    messenger = RecordingMessenger()
    tickets = _voice_pages_due(session, database, messenger, clock)

    assert len(messenger.calls) == 1 and messenger.calls[0]["to"] == DANA
    rows = outbox(session, channel="call", kind="page")
    assert {r.ticket_id for r in rows} == {t.id for t in tickets}
    assert {r.status for r in rows} == {"sent"}
    assert {r.provider_sid for r in rows} == {messenger.calls[0]["sid"]}


def test_the_one_call_says_how_many_are_waiting_and_4_takes_them_all(
    database, session, directory, clock, twilio
):
    messenger = RecordingMessenger()
    tickets = _voice_pages_due(session, database, messenger, clock)
    [call] = messenger.calls
    carrier = call["url"].rsplit("/", 1)[-1]

    heard = said(_answer(twilio, int(carrier), call["sid"]))
    assert "3 emergencies" in heard

    twilio(f"/twilio/voice/page/{carrier}/key", {"CallSid": call["sid"], "Digits": "4"})
    for ticket in tickets:
        assert fresh(session, ticket).status == TicketStatus.ACKNOWLEDGED
    assert outbox(session, kind="page", status="pending") == []


def test_an_unanswered_bundled_call_moves_every_escalation_on(
    database, session, directory, clock, twilio
):
    messenger = RecordingMessenger()
    set_on_call(session, "Luis Romero", now=clock(), role="secondary")
    session.commit()
    tickets = _voice_pages_due(session, database, messenger, clock)
    [call] = messenger.calls

    twilio(CALL_STATUS, {"CallSid": call["sid"], "CallStatus": "no-answer"})

    session.expire_all()
    for ticket in tickets:
        escalation = escalation_of(session, ticket.id)
        assert escalation is not None and escalation.next_step == 3, ticket.id
    assert len(outbox(session, channel="call", kind="page", to_number=LUIS)) == 3


def test_a_call_due_just_after_another_waits_and_the_next_ones_ring_once(
    database, session, directory, clock
):
    messenger = RecordingMessenger()
    set_policy(session, ["0s primary call"], repeat=1, repeat_delay_seconds=300, now=clock())
    session.commit()
    _unknown_callers(session, clock, 1)
    _tick(database, messenger, clock)
    clock.advance(timedelta(seconds=20))
    _unknown_callers(session, clock, 2)
    _tick(database, messenger, clock)
    assert len(messenger.calls) == 1  # the phone is still ringing with the first one

    clock.advance(timedelta(seconds=40))
    _tick(database, messenger, clock)

    assert len(messenger.calls) == 2
    assert {r.status for r in outbox(session, channel="call", kind="page")} == {"sent"}


def test_voice_pages_to_two_phones_are_two_calls(database, session, directory, clock):
    messenger = RecordingMessenger()
    set_policy(session, ["0s primary call", "0s secondary call"], repeat=1, now=clock())
    set_on_call(session, "Luis Romero", now=clock(), role="secondary")
    session.commit()
    _unknown_callers(session, clock, 2)
    _tick(database, messenger, clock)

    assert sorted(c["to"] for c in messenger.calls) == [DANA, LUIS]
