"""Several pages to one technician within a minute: one text, at most about one a minute."""

from __future__ import annotations

import random
import re
from datetime import datetime, timedelta
from itertools import pairwise

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.db import Database
from scheduler.bundling import HOLD
from scheduler.relay import LEASE, RelayReport, relay_due
from scheduler.transport import PermanentSendError, TransientSendError
from tests.support.fake_transport import RecordingMessenger
from tests.support.outbox import SMS_CALLBACK, TECH_PHONE, new_outbox, new_page, new_ticket
from tests.support.people import JANE
from tests.support.rows import fresh
from tests.support.statements import batched, statements
from ticketing.models import OutboxMessage, Technician
from ticketing.sms_text import segments
from ticketing.timeline import events_of

OTHER_PHONE = "+13365550102"
SERVER_ERROR = TransientSendError("HTTP 500: Internal Server Error", "20500")
OPTED_OUT = PermanentSendError("HTTP 400: Attempt to send to unsubscribed recipient", "21610")


def tick(database: Database, messenger: RecordingMessenger, now: datetime, **kw) -> RelayReport:
    """One relay tick with a seeded jitter."""
    return relay_due(
        database.sessionmaker,
        messenger,
        now,
        status_callback_url=SMS_CALLBACK,
        rng=random.Random(5),
        **kw,
    )


def numbers_in(body: str) -> set[int]:
    """The ticket numbers a text names."""
    return {int(n) for n in re.findall(r"#(\d+)", body)}


def timeline(session: Session, ticket_id: int | None) -> list[str]:
    """The messages on a ticket's timeline."""
    assert ticket_id is not None
    session.expire_all()
    return [event.message for event in events_of(session, ticket_id)]


def test_a_lone_page_goes_at_once_with_its_own_text(database, session, messenger, now):
    page = new_page(session, due=now)

    assert tick(database, messenger, now) == RelayReport(sent=1)

    [sms] = messenger.sms
    assert sms["body"] == page.body
    assert fresh(session, page).status == "sent"


def test_a_burst_of_five_pages_in_ten_seconds_is_at_most_two_texts(
    database, session, messenger, now
):
    pages = []
    for second in range(0, 121):
        moment = now + timedelta(seconds=second)
        if second in (0, 2, 4, 6, 8):
            pages.append(new_page(session, due=moment))
        tick(database, messenger, moment)

    assert 1 <= len(messenger.sms) <= 2
    named = set().union(*(numbers_in(sms["body"]) for sms in messenger.sms))
    assert named == {page.ticket_id for page in pages}
    assert all(segments(sms["body"]) <= 2 for sms in messenger.sms)
    rows = [fresh(session, page) for page in pages]
    assert {(row.status, row.attempts) for row in rows} == {("sent", 1)}
    assert {row.provider_sid for row in rows} == {sms["sid"] for sms in messenger.sms}
    # The first emergency was not held; the rest went together a minute after it.
    assert rows[0].sent_at == now
    assert {row.sent_at for row in rows[1:]} == {now + HOLD}


def test_pages_due_together_go_as_one_text_naming_every_ticket(database, session, messenger, now):
    pages = [new_page(session, due=now) for _ in range(5)]

    assert tick(database, messenger, now) == RelayReport(sent=5)

    [sms] = messenger.sms
    assert sms["body"].startswith("5 EMERGENCIES: #")
    assert numbers_in(sms["body"]) == {page.ticket_id for page in pages}
    assert segments(sms["body"]) <= 2
    assert sms["body"].endswith("Reply ACK + ticket no.")
    assert {fresh(session, page).provider_sid for page in pages} == {sms["sid"]}


def test_each_ticket_notes_what_its_page_was_bundled_with(database, session, messenger, now):
    first, second = new_page(session, due=now), new_page(session, due=now)

    tick(database, messenger, now)

    [sms] = messenger.sms
    assert timeline(session, first.ticket_id) == [
        f"SMS page sent to {TECH_PHONE} ({sms['sid']}) (bundled with #{second.ticket_id})"
    ]
    assert timeline(session, second.ticket_id) == [
        f"SMS page sent to {TECH_PHONE} ({sms['sid']}) (bundled with #{first.ticket_id})"
    ]


def test_pages_to_different_technicians_are_not_bundled(database, session, messenger, now):
    mine = new_page(session, due=now)
    theirs = new_page(session, due=now, to_number=OTHER_PHONE)

    assert tick(database, messenger, now) == RelayReport(sent=2)

    assert sorted((sms["to"], sms["body"]) for sms in messenger.sms) == sorted(
        [(TECH_PHONE, mine.body), (OTHER_PHONE, theirs.body)]
    )


def test_a_page_to_a_technician_texted_moments_ago_waits_for_the_minute(
    database, session, messenger, now
):
    new_page(session, due=now)
    tick(database, messenger, now)
    later = new_page(session, due=now + timedelta(seconds=5))

    report = tick(database, messenger, now + timedelta(seconds=5))

    assert report == RelayReport(held=1)
    row = fresh(session, later)
    # Handed back untouched: pending, no attempt counted, due a minute after the last text.
    assert (row.status, row.attempts, row.lease_until) == ("pending", 0, None)
    assert row.next_attempt_at == now + HOLD
    assert tick(database, messenger, now + HOLD - timedelta(seconds=1)).total == 0
    assert tick(database, messenger, now + HOLD) == RelayReport(sent=1)
    assert messenger.sms[-1]["body"] == later.body


def test_the_first_page_after_a_quiet_minute_is_not_held(database, session, messenger, now):
    new_page(session, due=now)
    tick(database, messenger, now)
    later = now + HOLD + timedelta(seconds=1)
    page = new_page(session, due=later)

    assert tick(database, messenger, later) == RelayReport(sent=1)
    assert fresh(session, page).sent_at == later


def test_a_text_another_relay_is_sending_holds_the_next_one(database, session, now):
    ticket = new_ticket(session)
    new_outbox(
        session,
        ticket_id=ticket.id,
        due=now,
        status="sending",
        attempts=1,
        lease_until=now + LEASE - timedelta(seconds=10),
    )
    page = new_page(session, due=now)

    assert tick(database, RecordingMessenger(), now) == RelayReport(held=1)
    assert fresh(session, page).next_attempt_at == now - timedelta(seconds=10) + HOLD


@pytest.mark.parametrize("kind", ["reply", "alert"])
def test_replies_and_alerts_are_neither_held_nor_bundled(database, session, messenger, now, kind):
    new_page(session, due=now)
    tick(database, messenger, now)
    ticket = new_ticket(session)
    soon = now + timedelta(seconds=3)
    rows = [new_outbox(session, ticket_id=ticket.id, due=soon, kind=kind) for _ in range(2)]

    assert tick(database, messenger, soon) == RelayReport(sent=2)
    assert [sms["body"] for sms in messenger.sms[1:]] == [row.body for row in rows]


def test_a_text_holds_no_call_and_voice_pages_due_together_ring_once(
    database, session, messenger, now
):
    new_page(session, due=now)
    tick(database, messenger, now)
    ticket = new_ticket(session)
    soon = now + timedelta(seconds=3)
    rows = [
        new_outbox(session, ticket_id=ticket.id, due=soon, channel="call", body=f"/page/{n}")
        for n in (1, 2)
    ]

    assert tick(database, messenger, soon, public_base_url="https://x.test") == RelayReport(sent=2)
    [call] = messenger.calls
    assert call["url"] == "https://x.test/page/1"
    assert [fresh(session, row).carried_by_id for row in rows] == [None, rows[0].id]


def test_help_desk_calls_are_never_bundled_or_held(database, session, messenger, now):
    ticket = new_ticket(session)
    for n in (1, 2):
        new_outbox(
            session,
            ticket_id=ticket.id,
            due=now,
            channel="call",
            kind="helpdesk",
            body=f"/helpdesk/{n}",
        )

    assert tick(database, messenger, now, public_base_url="https://x.test") == RelayReport(sent=2)
    assert [call["url"] for call in messenger.calls] == [
        "https://x.test/helpdesk/1",
        "https://x.test/helpdesk/2",
    ]


def test_a_notice_rides_along_with_its_page(database, session, messenger, now):
    tech = Technician(name="Dana Whitfield", phone=TECH_PHONE)
    session.add(tech)
    session.commit()
    page = new_page(session, due=now, technician_id=tech.id)
    notice = new_outbox(
        session,
        ticket_id=page.ticket_id,
        due=now,
        kind="notice",
        technician_id=tech.id,
        body=f'#{page.ticket_id} Unknown caller - caller said: "Server down."',
    )

    tick(database, messenger, now)

    [sms] = messenger.sms
    assert sms["body"].startswith("2 MESSAGES: ")
    assert fresh(session, notice).provider_sid == fresh(session, page).provider_sid
    assert timeline(session, page.ticket_id)[0].endswith(f"({sms['sid']}) (bundled)")


def test_texts_to_a_client_are_never_bundled_or_held(database, session, messenger, now):
    # What the client's representative is told (no technician): each its own plain text.
    page = new_page(session, due=now)
    bodies = [
        f"Firm: Dana Whitfield is working on your emergency, ticket #{page.ticket_id}.",
        f"Firm: your call about ticket #{page.ticket_id} is not an emergency.",
    ]
    for body in bodies:
        new_outbox(
            session, ticket_id=page.ticket_id, due=now, kind="notice", to_number=JANE, body=body
        )
    new_outbox(session, ticket_id=page.ticket_id, due=now + HOLD / 2, kind="notice", to_number=JANE)

    tick(database, messenger, now)
    tick(database, messenger, now + HOLD / 2)

    to_client = [sms["body"] for sms in messenger.sms if sms["to"] == JANE]
    assert to_client[:2] == bodies and len(to_client) == 3
    assert not any("MESSAGES" in body for body in to_client)


def test_a_transient_failure_retries_the_whole_bundle_together(database, session, messenger, now):
    pages = [new_page(session, due=now) for _ in range(3)]
    messenger.fail_next(SERVER_ERROR)

    assert tick(database, messenger, now) == RelayReport(retried=3)

    rows = [fresh(session, page) for page in pages]
    assert {(r.status, r.attempts, r.error_code) for r in rows} == {("pending", 1, "20500")}
    [retry_at] = {r.next_attempt_at for r in rows}
    for page in pages:
        assert "not sent yet (20500: HTTP 500" in timeline(session, page.ticket_id)[0]
    assert tick(database, messenger, retry_at) == RelayReport(sent=3)
    [sms] = messenger.sms
    assert numbers_in(sms["body"]) == {page.ticket_id for page in pages}
    assert {fresh(session, page).provider_sid for page in pages} == {sms["sid"]}


def test_a_permanent_failure_fails_every_page_of_the_bundle(database, session, messenger, now):
    tech = Technician(name="Dana Whitfield", phone=TECH_PHONE)
    session.add(tech)
    session.commit()
    pages = [new_page(session, due=now, technician_id=tech.id) for _ in range(2)]
    messenger.fail_next(OPTED_OUT)

    assert tick(database, messenger, now) == RelayReport(failed=2)

    for page in pages:
        row = fresh(session, page)
        assert (row.status, row.error_code) == ("failed", "21610")
        assert "FAILED (bundled with #" in timeline(session, page.ticket_id)[0]
    # Each ticket's escalation rings the technician instead, one call per emergency.
    calls = session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "call")).all()
    assert sorted(call.ticket_id for call in calls) == sorted(page.ticket_id for page in pages)


def test_a_bundle_not_tried_before_the_lease_runs_short_is_released_whole(
    database, session, messenger, now
):
    lone = new_page(session, due=now, to_number=OTHER_PHONE)
    bundle = [new_page(session, due=now) for _ in range(2)]
    readings = iter([0.0, 1.0, 100.0])

    report = tick(database, messenger, now, monotonic=lambda: next(readings))

    assert report == RelayReport(sent=1, released=2)
    assert messenger.sms[0]["body"] == lone.body
    for page in bundle:
        assert (fresh(session, page).status, fresh(session, page).attempts) == ("pending", 0)


class FlakyMessenger(RecordingMessenger):
    """Fails about one send in five (transiently) and notes when each text went."""

    def __init__(self, seed: int) -> None:
        super().__init__()
        self.rng = random.Random(seed)
        self.now: datetime | None = None

    def send_sms(self, to: str, body: str, *, status_callback: str | None = None) -> str:
        """Fail now and then, else record the text with the tick's moment."""
        if self.rng.random() < 0.2:
            raise SERVER_ERROR
        sid = super().send_sms(to, body, status_callback=status_callback)
        self.sent[-1]["at"] = self.now
        return sid


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_bursts_with_failures_lose_nothing_and_pace_every_phone(
    database, session, now, seed
):
    rng = random.Random(seed)
    messenger = FlakyMessenger(seed)
    phones = [TECH_PHONE, OTHER_PHONE, "+13365550103"]
    arrivals = sorted((rng.randrange(0, 240), rng.choice(phones)) for _ in range(15))
    pages = []
    for second in range(0, 900):
        moment = now + timedelta(seconds=second)
        pages += [new_page(session, due=moment, to_number=p) for s, p in arrivals if s == second]
        messenger.now = moment
        tick(database, messenger, moment)

    by_sid = {sms["sid"]: sms for sms in messenger.sms}
    for page in pages:
        row = fresh(session, page)
        assert row.status == "sent"
        # Sent exactly once: in the one text whose SID it holds, which names its ticket.
        assert row.ticket_id in numbers_in(by_sid[row.provider_sid]["body"])
        assert (
            sum(
                row.ticket_id in numbers_in(s["body"])
                for s in messenger.sms
                if s["to"] == row.to_number
            )
            == 1
        )
    for phone in phones:
        moments = [sms["at"] for sms in messenger.sms if sms["to"] == phone]
        assert all(b - a >= HOLD for a, b in pairwise(moments))


def test_a_burst_bigger_than_the_batch_goes_in_one_bundle_a_minute_later(
    database, session, messenger, now
):
    # A regional outage: 120 emergencies for one technician, more than a tick's batch of 50.
    pages = [new_page(session, due=now)]
    tick(database, messenger, now)
    pages += [new_page(session, due=now + timedelta(seconds=1)) for _ in range(119)]

    for second in (1, 30, 59):
        tick(database, messenger, now + timedelta(seconds=second))
    assert len(messenger.sms) == 1
    tick(database, messenger, now + HOLD)

    first, bundle = messenger.sms
    assert numbers_in(first["body"]) == {pages[0].ticket_id}
    assert bundle["body"].startswith("119 EMERGENCIES: #")
    rows = [fresh(session, page) for page in pages[1:]]
    assert {(row.status, row.sent_at, row.provider_sid) for row in rows} == {
        ("sent", now + HOLD, bundle["sid"])
    }
    assert timeline(session, pages[5].ticket_id)[-1].endswith("(bundled with 118 other tickets)")


@pytest.mark.parametrize("pages", [5, 40])
def test_recording_a_bundle_costs_the_same_statements_whatever_its_size(
    database, session, messenger, now, engine, pages
):
    """A burst's bundle is recorded in a few statements, not a look-up (and a flush) a row:
    the relay's tick, and every page committed during it, waited on each."""
    for _ in range(pages):
        new_page(session, due=now)
    with statements(engine) as sent:
        assert tick(database, messenger, now) == RelayReport(sent=pages)
    assert len(messenger.sms) == 1
    # Claiming, sending and recording the bundle; SQLite inserts the lines one by one.
    assert len(batched(sent)) <= 12, "\n".join(batched(sent))
