"""The outbox relay: claims, sends once, retries with back-off, records every outcome."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from intake.clock import FrozenClock
from intake.db import Database
from scheduler.relay import (
    BACKOFF_CAP_SECONDS,
    KEEP_TRYING,
    LEASE,
    MAX_ATTEMPTS,
    RelayReport,
    backoff,
    claim_due,
    record,
    relay_due,
)
from scheduler.transport import PermanentSendError, TransientSendError
from tests.support.fake_transport import RecordingMessenger
from tests.support.outbox import (
    CALL_CALLBACK,
    SMS_CALLBACK,
    TECH_PHONE,
    new_page,
)
from tests.support.rows import fresh
from ticketing.models import OutboxMessage, Technician, Ticket
from ticketing.timeline import events_of

RATE_LIMITED = TransientSendError("HTTP 429: Too Many Requests", "20429")
SERVER_ERROR = TransientSendError("HTTP 500: Internal Server Error", "20500")
OPTED_OUT = PermanentSendError("HTTP 400: Attempt to send to unsubscribed recipient", "21610")
OTHER_PHONE = "+13365550102"
THIRD_PHONE = "+13365550103"


def tick(database: Database, messenger: RecordingMessenger, now: datetime, **kw) -> RelayReport:
    """One relay tick with the test's callbacks and a seeded jitter."""
    return relay_due(
        database.sessionmaker,
        messenger,
        now,
        status_callback_url=SMS_CALLBACK,
        call_status_callback_url=CALL_CALLBACK,
        rng=random.Random(7),
        **kw,
    )


def timeline(session: Session, ticket: Ticket) -> list[tuple[str, str]]:
    """(kind, message) of every event on the ticket."""
    session.expire_all()
    return [(e.kind, e.message) for e in events_of(session, ticket.id)]


def test_a_due_sms_is_sent_and_put_on_the_timeline(
    database, session, messenger, ticket, now, make_outbox
):
    row = make_outbox()

    report = tick(database, messenger, now)

    assert report == RelayReport(sent=1)
    [sms] = messenger.sms
    assert (sms["to"], sms["body"], sms["status_callback"]) == (TECH_PHONE, row.body, SMS_CALLBACK)
    row = fresh(session, row)
    assert (row.status, row.provider_sid, row.sent_at) == ("sent", sms["sid"], now)
    assert (row.attempts, row.lease_until) == (1, None)
    assert timeline(session, ticket) == [
        ("page_sent", f"SMS page sent to {TECH_PHONE} ({sms['sid']})")
    ]


def test_a_voice_page_places_a_call_to_the_twiml_url(
    database, session, messenger, ticket, now, make_outbox
):
    row = make_outbox(channel="call", body="https://intake.example.com/twilio/voice/page/9")

    tick(database, messenger, now)

    [call] = messenger.calls
    assert call["url"] == "https://intake.example.com/twilio/voice/page/9"
    assert call["status_callback"] == CALL_CALLBACK
    assert messenger.sms == []
    assert fresh(session, row).provider_sid == call["sid"]
    assert timeline(session, ticket) == [
        ("page_sent", f"Voice page placed to {TECH_PHONE} ({call['sid']})")
    ]


def test_rate_limited_then_sent_on_a_later_tick_exactly_once(
    database, session, messenger, ticket, clock: FrozenClock, make_outbox
):
    row = make_outbox()
    messenger.fail_next(RATE_LIMITED)

    assert tick(database, messenger, clock()) == RelayReport(retried=1)
    retry_at = fresh(session, row).next_attempt_at
    assert clock() + timedelta(seconds=2.5) <= retry_at <= clock() + timedelta(seconds=5)
    assert fresh(session, row).status == "pending"
    assert fresh(session, row).error_code == "20429"

    assert tick(database, messenger, clock.advance(timedelta(seconds=2))).total == 0
    assert tick(database, messenger, clock.advance(timedelta(seconds=3))) == RelayReport(sent=1)
    assert tick(database, messenger, clock.advance(timedelta(minutes=10))).total == 0

    assert len(messenger.sms) == 1
    row = fresh(session, row)
    assert (row.status, row.attempts, row.provider_sid) == ("sent", 2, messenger.sms[0]["sid"])
    kinds = [kind for kind, _ in timeline(session, ticket)]
    assert kinds == ["page_retrying", "page_sent"]
    assert "20429: too many requests to Twilio" in timeline(session, ticket)[0][1]


def test_repeated_server_errors_give_up_a_notice_after_max_attempts(
    database, session, messenger, ticket, clock: FrozenClock, make_outbox
):
    row = make_outbox(kind="notice")
    messenger.fail_next(SERVER_ERROR, times=MAX_ATTEMPTS + 5)

    reports = [tick(database, messenger, clock.advance(timedelta(minutes=6))) for _ in range(12)]

    assert [r.retried for r in reports[: MAX_ATTEMPTS - 1]] == [1] * (MAX_ATTEMPTS - 1)
    assert reports[MAX_ATTEMPTS - 1] == RelayReport(failed=1)
    assert all(r.total == 0 for r in reports[MAX_ATTEMPTS:])
    row = fresh(session, row)
    assert (row.status, row.attempts, row.error_code) == ("failed", MAX_ATTEMPTS, "20500")
    assert "HTTP 500" in (row.last_error or "")
    events = timeline(session, ticket)
    assert [kind for kind, _ in events] == ["page_retrying", "page_failed"]
    assert events[1][1].endswith(
        f"FAILED after {MAX_ATTEMPTS} attempts: 20500: HTTP 500: Internal Server Error"
    )
    assert messenger.sent == []


def test_a_page_outlasts_a_long_twilio_outage_and_escalates_at_the_limit(
    database, session, messenger, clock: FrozenClock
):
    tech = Technician(name="Dana Reyes", phone=TECH_PHONE)
    session.add(tech)
    session.flush()
    row = new_page(session, due=clock(), technician_id=tech.id, created_at=clock())
    # Twilio down for hours: every capped retry of the text (and of the call rung instead
    # of it) meets a 500, forty times in all.
    messenger.fail_next(SERVER_ERROR, times=40)

    reports = [tick(database, messenger, clock.advance(timedelta(minutes=6))) for _ in range(40)]

    assert sum(r.failed for r in reports) == 0
    assert sum(r.sent for r in reports) == 2  # the text and the call, once Twilio is back
    row = fresh(session, row)
    assert row.status == "sent"
    assert row.attempts > MAX_ATTEMPTS
    # At the limit the escalation moved on at once: the technician was rung instead.
    calls = session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "call")).all()
    assert [(c.to_number, c.escalation_step, c.status) for c in calls] == [(TECH_PHONE, 0, "sent")]
    assert [m["to"] for m in messenger.sms] == [TECH_PHONE]
    assert any(
        f"still not sent after {MAX_ATTEMPTS} attempts" in message
        for _, message in timeline(session, session.get(Ticket, row.ticket_id))
    )


def test_a_page_is_given_up_once_it_is_twelve_hours_old(
    database, session, messenger, clock: FrozenClock
):
    row = new_page(session, due=clock(), created_at=clock())
    messenger.fail_next(SERVER_ERROR, times=1000)

    tick(database, messenger, clock())
    for _ in range(13 * 12):
        tick(database, messenger, clock.advance(timedelta(minutes=5, seconds=1)))

    row = fresh(session, row)
    assert row.status == "failed"
    assert row.attempts > 100  # retried every capped back-off for twelve hours first
    assert row.created_at + KEEP_TRYING <= row.next_attempt_at + timedelta(minutes=6)


def test_a_permanent_error_fails_at_once_with_its_code(
    database, session, messenger, ticket, now, make_outbox
):
    row = make_outbox()
    messenger.fail_next(OPTED_OUT)

    assert tick(database, messenger, now) == RelayReport(failed=1)
    assert tick(database, messenger, now + timedelta(hours=1)).total == 0

    row = fresh(session, row)
    assert (row.status, row.attempts, row.error_code) == ("failed", 1, "21610")
    assert timeline(session, ticket) == [
        (
            "page_failed",
            f"SMS page to {TECH_PHONE} FAILED (not retried): 21610: recipient has opted out (STOP)",
        )
    ]


def test_a_row_not_yet_due_is_left_alone(database, session, messenger, now, make_outbox):
    row = make_outbox(next_attempt_at=now + timedelta(seconds=1))

    assert tick(database, messenger, now).total == 0

    assert messenger.sent == []
    row = fresh(session, row)
    assert (row.status, row.attempts) == ("pending", 0)


def test_an_expired_lease_is_claimed_again(database, session, messenger, now, make_outbox):
    crashed = make_outbox(status="sending", attempts=1, lease_until=now - timedelta(seconds=1))
    in_flight = make_outbox(
        status="sending", attempts=1, lease_until=now + timedelta(seconds=30), to_number=OTHER_PHONE
    )

    assert tick(database, messenger, now) == RelayReport(sent=1)

    assert [m["body"] for m in messenger.sms] == [crashed.body]
    crashed = fresh(session, crashed)
    assert (crashed.status, crashed.attempts) == ("sent", 2)
    in_flight = fresh(session, in_flight)
    assert (in_flight.status, in_flight.attempts) == ("sending", 1)


@pytest.mark.parametrize("status", ["sent", "failed"])
def test_finished_rows_are_never_sent_again(database, messenger, now, make_outbox, status):
    make_outbox(status=status, attempts=1, provider_sid="SM" + "0" * 32)

    reports = [tick(database, messenger, now + timedelta(hours=h)) for h in range(3)]

    assert [r.total for r in reports] == [0, 0, 0]
    assert messenger.sent == []


def test_a_sent_row_is_not_sent_on_the_next_tick(database, messenger, now, make_outbox):
    make_outbox()

    tick(database, messenger, now)
    tick(database, messenger, now + timedelta(seconds=1))

    assert len(messenger.sms) == 1


def test_batch_limits_one_tick_oldest_first(database, messenger, now, make_outbox):
    # Three technicians: texts to one number would go out as one bundle.
    rows = [
        make_outbox(next_attempt_at=now - timedelta(seconds=s), to_number=phone)
        for s, phone in ((1, TECH_PHONE), (3, OTHER_PHONE), (2, THIRD_PHONE))
    ]

    assert tick(database, messenger, now, batch=2) == RelayReport(sent=2)
    assert [m["body"] for m in messenger.sms] == [rows[1].body, rows[2].body]
    assert tick(database, messenger, now, batch=2) == RelayReport(sent=1)
    assert messenger.sms[-1]["body"] == rows[0].body


def test_rows_not_tried_before_the_lease_runs_short_are_released(
    database, session, messenger, now, make_outbox
):
    first, second, third = (
        make_outbox(to_number=p) for p in (TECH_PHONE, OTHER_PHONE, THIRD_PHONE)
    )
    readings = iter([0.0, 1.0, 100.0])

    report = tick(database, messenger, now, monotonic=lambda: next(readings))

    assert report == RelayReport(sent=1, released=2)
    assert [m["body"] for m in messenger.sms] == [first.body]
    for row in (second, third):
        row = fresh(session, row)
        assert (row.status, row.attempts, row.lease_until) == ("pending", 0, None)
    assert tick(database, messenger, now) == RelayReport(sent=2)


def test_an_outcome_is_not_recorded_on_a_row_another_relay_reclaimed(
    database, session, now, make_outbox
):
    row = make_outbox()
    with database.sessionmaker.begin() as s:
        [claim] = claim_due(s, now, batch=10)
    later = now + LEASE + timedelta(seconds=1)
    with database.sessionmaker.begin() as s:
        [reclaim] = claim_due(s, later, batch=10)
    report = RelayReport()

    with database.sessionmaker.begin() as s:
        record(s, (claim,), "SM" + "1" * 32, now, random.Random(1), report)

    assert report == RelayReport()
    row = fresh(session, row)
    assert (row.status, row.attempts, row.lease_until) == ("sending", 2, reclaim.lease_until)


def test_an_unexpected_messenger_error_counts_as_a_transient_failure(
    database, session, messenger, ticket, now, make_outbox
):
    row = make_outbox()
    messenger.fail_next(RuntimeError("bug in a transport"))

    assert tick(database, messenger, now) == RelayReport(retried=1)

    row = fresh(session, row)
    assert (row.status, row.lease_until) == ("pending", None)
    assert "RuntimeError: bug in a transport" in (row.last_error or "")


def test_a_row_without_a_ticket_is_sent_without_timeline(
    database, session, messenger, now, make_outbox
):
    row = make_outbox(ticket_id=None)

    assert tick(database, messenger, now) == RelayReport(sent=1)
    assert fresh(session, row).status == "sent"


def test_an_unknown_channel_fails_on_the_timeline(
    database, session, messenger, ticket, now, make_outbox
):
    row = make_outbox(channel="fax")

    assert tick(database, messenger, now) == RelayReport(failed=1)

    assert fresh(session, row).status == "failed"
    assert messenger.sent == []
    [(kind, message)] = timeline(session, ticket)
    assert kind == "page_failed"
    assert "unknown channel 'fax'" in message


class _Fixed(random.Random):
    """A Random whose random() always returns one value (the jitter's extremes)."""

    def __init__(self, value: float) -> None:
        super().__init__()
        self.value = value

    def random(self) -> float:
        return self.value


def test_backoff_doubles_from_five_seconds_and_is_capped():
    lows = [backoff(n, _Fixed(0.0)).total_seconds() for n in range(1, 12)]
    highs = [backoff(n, _Fixed(1.0)).total_seconds() for n in range(1, 12)]

    assert highs[:6] == [5, 10, 20, 40, 80, 160]
    assert lows[:6] == [2.5, 5, 10, 20, 40, 80]
    assert highs[6:] == [BACKOFF_CAP_SECONDS] * 5
    assert lows == sorted(lows)
    assert highs == sorted(highs)
    assert backoff(10_000, _Fixed(1.0)).total_seconds() == BACKOFF_CAP_SECONDS


def test_backoff_is_jittered_within_its_bounds():
    rng = random.Random(42)

    samples = [backoff(3, rng).total_seconds() for _ in range(200)]

    assert all(10 <= s <= 20 for s in samples)
    assert len(set(samples)) > 100
    assert max(samples) - min(samples) > 5


def _five_pages(engine: Engine, phones: list[str], now) -> sessionmaker:
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    with factory.begin() as s:
        ticket = Ticket(service_class="emergency")
        s.add(ticket)
        s.flush()
        for n, phone in enumerate(phones):
            s.add(
                OutboxMessage(
                    dedupe_key=f"skip-{n}",
                    ticket_id=ticket.id,
                    to_number=phone,
                    body=f"page {n}",
                    next_attempt_at=now,
                )
            )
    return factory


def _claim_side_by_side(factory: sessionmaker, now) -> tuple[set[int], set[int]]:
    # The first relay still holds its row locks (uncommitted) while the second one claims.
    with factory.begin() as first, factory.begin() as second:
        mine = {c.id for c in claim_due(first, now, batch=2)}
        # Without SKIP LOCKED the second claim would wait for the first: fail, don't hang.
        second.execute(text("SET LOCAL lock_timeout = '2s'"))
        theirs = {c.id for c in claim_due(second, now, batch=10)}
    return mine, theirs


@pytest.mark.postgres_only
def test_two_relays_never_claim_the_same_row(engine: Engine, wipe_database, now):
    if engine.dialect.name != "postgresql":
        pytest.skip("FOR UPDATE SKIP LOCKED needs PostgreSQL; SQLite has a single writer")
    factory = _five_pages(engine, [f"+1336555020{n}" for n in range(5)], now)

    mine, theirs = _claim_side_by_side(factory, now)

    assert len(mine) == 2
    assert len(theirs) == 3
    assert mine.isdisjoint(theirs)
    with factory() as s:
        rows = s.scalars(select(OutboxMessage)).all()
        assert {(r.status, r.attempts) for r in rows} == {("sending", 1)}


@pytest.mark.postgres_only
def test_a_relay_claims_a_whole_bundle_and_the_other_skips_it(engine: Engine, wipe_database, now):
    if engine.dialect.name != "postgresql":
        pytest.skip("FOR UPDATE SKIP LOCKED needs PostgreSQL; SQLite has a single writer")
    factory = _five_pages(engine, [TECH_PHONE] * 5, now)

    mine, theirs = _claim_side_by_side(factory, now)

    # Past its batch of 2: every due page to that phone rides in the one text.
    assert len(mine) == 5
    assert theirs == set()
