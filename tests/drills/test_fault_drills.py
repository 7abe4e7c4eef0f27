"""Quick fault drills, in process: Twilio failing every way during a burst, the
scheduler killed mid-escalation, a web worker killed mid-request. The same faults against
real processes: `python -m bench.drills`.

The at-least-once bound these tests hold the relay to: a page is sent until Twilio
answers; it goes out twice only when an attempt timed out after Twilio had accepted it
(or the scheduler died between Twilio's answer and recording it), at most one extra copy
per such attempt; once an answer is recorded it is never sent again.
"""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
import responses
from sqlalchemy import func, select

from scheduler.mail import LogMailer
from scheduler.relay import BACKOFF_CAP_SECONDS, LEASE, MAX_ATTEMPTS, claim_due, relay_due
from scheduler.sending import Callbacks, send
from scheduler.transport import TwilioMessenger
from tests.support.fake_transport import RecordingMessenger
from tests.support.faults import ACCOUNT, API, FaultyTwilio, WorkerKilled, outage, ticket_numbers
from tests.support.twilio import AUTH_TOKEN, PUBLIC_BASE_URL, said, sign
from ticketing.models import OutboxMessage, Ticket
from ticketing.oncall.roster import set_on_call
from ticketing.paging.escalation import start_escalation, sweep_escalations
from ticketing.paging.models import Escalation
from ticketing.paging.policies import set_policy

pytestmark = pytest.mark.xdist_group("drills")

SMS_CALLBACK = f"{PUBLIC_BASE_URL}/twilio/sms/status"
DANA, LUIS, PRIYA = "+13365550101", "+13365550102", "+13365550103"
OUTAGE = [("500", 24.0), ("429", 24.0), ("hang", 24.0), ("accept-hang", 24.0), ("reset", 24.0)]


def _emergencies(session, clock, count: int, steps: list[str] | None = None) -> list[int]:
    """`count` emergency tickets paged now (under a one-round policy of `steps`, if given)."""
    if steps is not None:
        set_on_call(session, "Luis Romero", now=clock(), role="secondary")
        set_policy(session, steps, repeat=1, repeat_delay_seconds=3600, now=clock())
    ids = []
    for n in range(count):
        ticket = Ticket(
            service_class="emergency",
            classification_reason="weekend",
            callback_number="+13365550123",
            description=f"Till {n} cannot take cards.",
        )
        session.add(ticket)
        session.flush()
        start_escalation(session, ticket, now=clock())
        ids.append(ticket.id)
    session.commit()
    return ids


def _tick(database, messenger, clock, rng):
    return relay_due(
        database.sessionmaker, messenger, clock(), status_callback_url=SMS_CALLBACK, rng=rng
    )


def _pages(session) -> list[OutboxMessage]:
    session.expire_all()
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "page")))


def test_twilio_failing_every_way_for_two_minutes_delays_pages_but_loses_none(
    database, session, directory, clock
):
    ids = _emergencies(session, clock, 1, ["0s primary sms", "0s secondary sms"])
    start = clock()
    twilio = FaultyTwilio(outage(start, OUTAGE, clock), clock)
    rest = TwilioMessenger(ACCOUNT, "token", API, sms_from="+13368991911", timeout=2)
    rng = random.Random(8)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        twilio.install(mock)
        for second in range(0, 600, 2):  # ten simulated minutes, a tick every 2 s
            if second and second % 10 == 0 and len(ids) < 12:  # a call every 10 s
                ids += _emergencies(session, clock, 1)
            _tick(database, rest, clock, rng)
            clock.advance(timedelta(seconds=2))

    pages = _pages(session)
    assert len(pages) == 24 and {p.status for p in pages} == {"sent"}
    assert twilio.refused > 0 and twilio.late, "the outage must have refused and lost answers"
    for ticket in ids:
        for phone in (DANA, LUIS):
            copies = twilio.copies(ticket, phone)
            # Delivered; twice only through an accepted-but-timed-out attempt.
            assert 1 <= copies <= 1 + twilio.late_copies(ticket, phone), (ticket, phone)
    # Once recorded as sent, never again: the last text to each phone was answered in time.
    recorded = {p.provider_sid for p in pages}
    assert recorded <= {a["sid"] for a in twilio.accepted if not a["late"]}
    # Delivered soon after Twilio came back: within one capped back-off (plus a tick).
    back = start + timedelta(seconds=sum(seconds for _, seconds in OUTAGE))
    last = max(p.sent_at for p in pages)
    assert last - back <= timedelta(seconds=BACKOFF_CAP_SECONDS + 2)


@pytest.mark.parametrize("seed", range(30))
def test_at_least_once_bound_one_extra_copy_per_timed_out_accepted_attempt(
    database, session, directory, clock, seed
):
    rng = random.Random(seed)
    outcomes = rng.choices(["ok", "500", "429", "hang", "accept-hang", "reset"], k=MAX_ATTEMPTS)
    outcomes = [*outcomes, "ok"]
    attempts = iter(outcomes)
    twilio = FaultyTwilio(lambda: next(attempts), clock)
    rest = TwilioMessenger(ACCOUNT, "token", API, sms_from="+13368991911", timeout=2)
    [ticket] = _emergencies(session, clock, 1, ["0s primary sms", "30m secondary sms"])
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        twilio.install(mock)
        for _ in range(MAX_ATTEMPTS):
            _tick(database, rest, clock, rng)
            clock.advance(timedelta(seconds=BACKOFF_CAP_SECONDS + 1))  # every tick retries

    [page] = [p for p in _pages(session) if p.channel == "sms"]
    tried = outcomes[: page.attempts]
    assert twilio.copies(ticket, DANA) == tried.count("ok") + tried.count("accept-hang")
    if "ok" in outcomes[:MAX_ATTEMPTS]:
        first_ok = outcomes.index("ok")
        assert (page.status, page.attempts) == ("sent", first_ok + 1)
        assert twilio.copies(ticket, DANA) == 1 + outcomes[:first_ok].count("accept-hang")
    else:
        # Ten failures: the technician is rung instead, and the text keeps retrying.
        assert (page.status, page.attempts) == ("pending", MAX_ATTEMPTS)
        calls = [p for p in _pages(session) if p.channel == "call"]
        assert [(c.to_number, c.escalation_step) for c in calls] == [(DANA, 0)]


def test_scheduler_killed_mid_escalation_fires_every_due_step_once(
    database, session, directory, clock
):
    ids = _emergencies(
        session, clock, 5, ["0s primary sms", "30s secondary sms", "60s manager sms"]
    )
    messenger, rng = RecordingMessenger(), random.Random(2)
    _tick(database, messenger, clock, rng)  # step 0 goes out
    clock.advance(timedelta(seconds=31))
    with pytest.raises(WorkerKilled), database.sessionmaker.begin() as dying:
        assert sweep_escalations(dying, clock()) == 5  # step 1 fired in memory ...
        raise WorkerKilled  # ... SIGKILL before the commit
    clock.advance(timedelta(seconds=1))  # restarted: the sweep fires step 1 for good ...
    with database.sessionmaker.begin() as restarted:
        assert sweep_escalations(restarted, clock()) == 5
    with database.sessionmaker.begin() as dying:
        claimed = claim_due(dying, clock(), 50)  # ... a relay claims its pages ...
    assert len(claimed) == 5  # ... and is SIGKILLed before sending: they keep their lease
    clock.advance(timedelta(seconds=30))  # restarted again, with step 2 due as well
    for _ in range(4):
        with database.sessionmaker.begin() as restarted:
            sweep_escalations(restarted, clock())
        _tick(database, messenger, clock, rng)
        clock.advance(timedelta(seconds=61))  # past the lease and the pacing minute

    pages = _pages(session)
    steps = sorted((p.ticket_id, p.escalation_step, p.to_number) for p in pages)
    assert steps == sorted(
        (t, step, phone) for t in ids for step, phone in enumerate((DANA, LUIS, PRIYA))
    )
    assert {p.status for p in pages} == {"sent"}
    texts = [(s["to"], n) for s in messenger.sms for n in ticket_numbers(s["body"])]
    assert sorted(texts) == sorted((phone, t) for t in ids for phone in (DANA, LUIS, PRIYA))
    assert {e.next_step for e in session.scalars(select(Escalation))} == {3}


def test_relay_killed_between_twilio_answer_and_record_finds_the_text_at_twilio(
    database, session, directory, clock
):
    _emergencies(session, clock, 1, ["0s primary sms"])
    messenger = RecordingMessenger()
    with database.sessionmaker.begin() as dying:
        [claim] = claim_due(dying, clock(), 50)
    send(messenger, LogMailer(), (claim,), Callbacks(SMS_CALLBACK))  # Twilio has it ...
    # ... and the relay is SIGKILLed before recording the SID.
    clock.advance(LEASE - timedelta(seconds=1))
    _tick(database, messenger, clock, random.Random(1))
    assert len(messenger.sms) == 1  # the lease still holds: nobody touches the row
    clock.advance(timedelta(seconds=2))
    _tick(database, messenger, clock, random.Random(1))
    clock.advance(timedelta(minutes=5))
    _tick(database, messenger, clock, random.Random(1))
    # The lease ran out mid-send: the relay asks Twilio's Messages list before texting
    # again, finds the text the dead relay sent and records it instead of a second copy.
    assert len(messenger.sms) == 1
    assert [lookup["to"] for lookup in messenger.lookups] == [messenger.sms[0]["to"]]
    [page] = _pages(session)
    assert (page.status, page.provider_sid) == ("sent", messenger.sms[0]["sid"])


def test_relay_killed_before_twilio_lists_the_text_sends_one_extra_copy_at_most(
    database, session, directory, clock, monkeypatch
):
    _emergencies(session, clock, 1, ["0s primary sms"])
    messenger = RecordingMessenger()
    # Twilio's list lags behind what it accepted: the look-up finds nothing.
    monkeypatch.setattr(messenger, "find_sent", lambda to, body, since: None)
    with database.sessionmaker.begin() as dying:
        [claim] = claim_due(dying, clock(), 50)
    send(messenger, LogMailer(), (claim,), Callbacks(SMS_CALLBACK))
    clock.advance(LEASE + timedelta(seconds=1))
    _tick(database, messenger, clock, random.Random(1))
    clock.advance(timedelta(minutes=5))
    _tick(database, messenger, clock, random.Random(1))
    assert len(messenger.sms) == 2  # the bound: one extra copy for one kill in that window
    [page] = _pages(session)
    assert (page.status, page.provider_sid) == ("sent", messenger.sms[1]["sid"])


def _signed(client, path, params, token="IT-retry-1"):
    headers = {
        "X-Twilio-Signature": sign(PUBLIC_BASE_URL + path, params, AUTH_TOKEN),
        "I-Twilio-Idempotency-Token": token,
    }
    return client.post(path, data=params, headers=headers)


def _kill_at_commit(monkeypatch) -> None:
    """The next webhook dies (SIGKILL) after doing its work, just before committing it."""
    import webhooks.handling
    from ticketing.calls import first_ring

    # A call's first webhook keeps its answer the quick way; the others through the wrapper.
    real = webhooks.handling.keep_answer, first_ring.open_first

    def die_once(*args, **kwargs):
        monkeypatch.setattr(webhooks.handling, "keep_answer", real[0])
        monkeypatch.setattr(first_ring, "open_first", real[1])
        raise WorkerKilled

    monkeypatch.setattr(webhooks.handling, "keep_answer", die_once)
    monkeypatch.setattr(first_ring, "open_first", die_once)


def test_worker_killed_mid_request_then_twilio_retries_one_ticket_one_page(
    client, session, directory, monkeypatch
):
    call = {"CallSid": "CA" + "7" * 32, "From": "+13365550123", "To": "+18888991911"}
    recording = {"RecordingUrl": "https://api.twilio.com/r/RE1", "RecordingSid": "RE1"}
    steps = [
        ("/twilio/voice", {**call, "CallStatus": "ringing"}),
        ("/twilio/voice/recorded", {**call, **recording, "RecordingDuration": "9", "Digits": "#"}),
        ("/twilio/voice/callback/confirm", {**call, "Digits": "1"}),
    ]
    answers = []
    for path, params in steps:
        _kill_at_commit(monkeypatch)
        with pytest.raises(WorkerKilled):
            _signed(client, path, params)
        answers.append(_signed(client, path, params).data)  # Twilio's retry
    # A retry of a request whose answer was lost after the commit gets the same answer.
    assert [_signed(client, path, params).data for path, params in steps] == answers
    assert "Your ticket number is" in said(_signed(client, *steps[-1]))
    assert session.scalar(select(func.count()).select_from(Ticket)) == 1
    pages = _pages(session)
    assert [(p.to_number, p.channel) for p in pages] == [(DANA, "sms")]
