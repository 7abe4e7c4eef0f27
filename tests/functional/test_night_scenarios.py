"""The night in question, minute by minute: who is texted, who is rung, who answers.

Saturday 5 December 2026. Dana Whitfield is primary, Luis Romero secondary, Priya Nair
the manager. Blue Ridge Bakery's point of sale dies at 23:10.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.support.sandbox import SANDBOX_URL, Night, twilio_routed_to_sandbox
from tests.support.twilio import PUBLIC_BASE_URL
from ticketing.models import OutboxMessage, Technician
from ticketing.oncall.roster import set_on_call

DANA, LUIS, PRIYA, JANE = "+13365550101", "+13365550102", "+13365550103", "+13365550123"


@pytest.fixture
def night(app, client, twilio, database, clock, session, directory):
    app.config["SETTINGS"] = app.config["SETTINGS"].with_overrides(
        sandbox=True, twilio_api_base_url=SANDBOX_URL
    )
    from sandbox.twilio.api import init_app as mount_sandbox

    mount_sandbox(app)
    store = app.extensions["sandbox"]
    store.deliver_callbacks = False  # delivery reports are posted by the scenario itself
    set_on_call(session, "Luis Romero", now=clock(), role="secondary")
    session.commit()
    with twilio_routed_to_sandbox(client):
        yield Night(client, twilio, database, clock, store)


def _bakery_calls(phone, words: str = "The point of sale is down, we cannot take cards"):
    call = phone(JANE)
    call.ring()
    call.record()
    call.post(
        "/twilio/voice/transcription",
        TranscriptionText=words,
        TranscriptionStatus="completed",
    )
    call.post("/twilio/voice/callback/confirm", Digits="1")
    return call


def test_primary_sleeps_through_it_and_the_secondary_takes_it(night, phone) -> None:
    _bakery_calls(phone)
    night.tick()  # 23:10 — the first page leaves at once
    [first] = night.texts_to(DANA)
    assert first.startswith("EMERGENCY #") and "Blue Ridge Bakery" in first
    assert "point of sale is down" in first and "Reply ACK" in first

    night.wait(minutes=5)  # 23:15 — Dana's phone rings
    [ring] = night.calls_to(DANA)
    assert ring.url.startswith(PUBLIC_BASE_URL + "/twilio/voice/page/")
    assert night.texts_to(LUIS) == []

    night.call_ends(ring, "no-answer")  # nobody picks up: no need to wait for 23:20
    night.tick()
    assert len(night.texts_to(LUIS)) == 1
    assert len(night.calls_to(LUIS)) == 1

    number = night.ticket().number
    answer = night.reply(LUIS, "ack", sid="SM" + "1" * 32)
    assert f"ACK #{number}" in answer and "paging stopped" in answer

    night.wait(minutes=30)  # the rest of the night: nobody else is woken
    ticket = night.ticket()
    assert ticket.status == "acknowledged"
    assert ticket.acknowledged_by.name == "Luis Romero"
    assert night.texts_to(PRIYA) == [] and night.calls_to(PRIYA) == []
    [told] = night.texts_to(JANE)
    assert "Luis Romero is working on your emergency" in told
    kinds = [event.kind for event in ticket.events]
    assert kinds.index("paged") < kinds.index("page_failed") < kinds.index("acknowledged")


def test_unanswered_ring_without_a_report_escalates_on_the_timer(night, phone) -> None:
    _bakery_calls(phone)
    night.tick()
    night.wait(minutes=5)
    assert len(night.calls_to(DANA)) == 1
    night.wait(minutes=4, seconds=55)  # 23:19:55: no status callback came
    assert night.texts_to(LUIS) == []
    night.wait(seconds=5)  # 23:20: the secondary step, on time
    assert len(night.texts_to(LUIS)) == 1


def test_sms_delivery_failure_jumps_to_voice_at_once(night, phone) -> None:
    _bakery_calls(phone)
    night.tick()
    [text] = [m for m in night.store.messages() if m.to == DANA]
    night.report(text.sid, "undelivered", error_code="30003")
    night.tick()  # seconds later, not five minutes later
    assert len(night.calls_to(DANA)) == 1
    events = " ".join(event.message for event in night.ticket().events)
    assert "30003" in events and "calling instead" in events


def test_dana_answers_the_voice_page_and_presses_4(night, phone) -> None:
    _bakery_calls(phone)
    night.wait(minutes=5)
    [ring] = night.calls_to(DANA)
    heard = night.answer(ring, "4")
    assert "Blue Ridge Bakery" in heard and "Press 4 to acknowledge" in heard
    night.wait(minutes=20)
    assert night.ticket().status == "acknowledged"
    assert night.texts_to(LUIS) == []


def test_voicemail_does_not_count_and_moves_on(night, phone) -> None:
    _bakery_calls(phone)
    night.wait(minutes=5)
    [ring] = night.calls_to(DANA)
    heard = night.answer(ring, "", answered_by="machine_end_beep")
    assert "Check your texts" in heard
    night.tick()
    assert night.ticket().status == "open"
    assert len(night.texts_to(LUIS)) == 1


def test_twilio_fails_for_a_while_then_recovers_nothing_lost_or_doubled(night, phone) -> None:
    _bakery_calls(phone)
    calls = iter(range(10_000))
    real_send = night.messenger.send_sms

    def flaky_send(to: str, body: str, **kwargs):
        from scheduler.transport import TransientSendError

        if next(calls) < 4:  # Twilio answers 500 four times in a row
            raise TransientSendError("HTTP 500 from Twilio", code="20500")
        return real_send(to, body, **kwargs)

    night.messenger.send_sms = flaky_send
    night.wait(minutes=3)
    assert len(night.texts_to(DANA)) == 1  # delivered after the outage, exactly once
    pages = [m for m in night.outbox() if m.kind == "page" and m.channel == "sms"]
    assert [(p.status, p.attempts) for p in pages] == [("sent", 5)]


def test_an_opted_out_technician_is_rung_instead_of_texted(night, phone, session) -> None:
    night.reply(DANA, "STOP", sid="SM" + "2" * 32)
    dana = session.scalars(select(Technician).where(Technician.phone == DANA)).one()
    session.refresh(dana)
    assert dana.sms_opted_out
    _bakery_calls(phone)
    night.tick()
    assert night.texts_to(DANA) == []
    assert len(night.calls_to(DANA)) == 1


def test_nobody_answers_all_night_and_the_manager_is_alerted(night, phone) -> None:
    _bakery_calls(phone)
    night.wait(minutes=90)
    ticket = night.ticket()
    assert ticket.status == "open"
    assert "escalation_exhausted" in [event.kind for event in ticket.events]
    assert any(text.startswith("UNACKNOWLEDGED EMERGENCY") for text in night.texts_to(PRIYA))
    sent = [m for m in night.outbox() if m.status == "sent"]
    keys = [m.dedupe_key for m in sent]
    assert len(keys) == len(set(keys))  # nothing sent twice
    assert all(m.status in ("sent", "cancelled") for m in night.outbox() if m.kind == "page")


def test_two_emergencies_in_a_minute_reach_dana_in_at_most_two_texts(night, phone) -> None:
    _bakery_calls(phone)
    night.tick()
    night.wait(seconds=20)
    diner = phone("+13365550167")
    diner.ring()
    diner.post("/twilio/voice/callback/confirm", Digits="1")
    night.wait(seconds=5)
    assert len(night.texts_to(DANA)) == 1  # the second page waits to be bundled ...
    night.wait(seconds=40)
    texts = night.texts_to(DANA)
    assert len(texts) == 2  # ... and leaves a minute after the first text
    with night.database.sessionmaker() as session:
        numbers = session.scalars(select(OutboxMessage.ticket_id).distinct()).all()
    assert len(numbers) == 2
    assert all(any(f"#{n}" in text for text in texts) for n in numbers)
