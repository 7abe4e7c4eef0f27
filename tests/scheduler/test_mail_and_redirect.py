"""The relay's two newer channels: email (through a Mailer) and moving a live call
(Twilio's Calls API); neither is bundled or paced. SmtpMailer itself: test_smtp_mailer.py;
TwilioMessenger.redirect_call on the REST API: test_twilio_redirect.py."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial

import pytest
from sqlalchemy.orm import Session

from intake.db import Database
from scheduler.errors import CallEndedError
from scheduler.relay import RelayReport, relay_due
from scheduler.runner import build_scheduler, run_relay
from scheduler.transport import (
    PermanentSendError,
    TransientSendError,
)
from tests.support.fake_transport import RecordingMailer
from tests.support.outbox import SMS_CALLBACK, new_outbox
from tests.support.rows import fresh
from ticketing.models import OutboxMessage, Ticket
from ticketing.timeline import events_of

BASE = "https://intake.example.com"
CALL_SID = "CA" + "d" * 32
REDIRECT_PATH = "/twilio/voice/redirected/1042"
JANE = "jane@bakery.test"
MAILBOX_FULL = PermanentSendError("SMTP 552: mailbox full", "552")
GREYLISTED = TransientSendError("SMTP 451: try again later", "451")


@pytest.fixture
def mailer() -> RecordingMailer:
    """A mailer that records instead of sending."""
    return RecordingMailer()


@pytest.fixture
def make_email(session: Session, ticket: Ticket, now: datetime) -> Callable[..., OutboxMessage]:
    """An email notice on `ticket` to Jane, due now unless told otherwise."""
    return partial(
        new_outbox,
        session,
        ticket_id=ticket.id,
        due=now,
        kind="notice",
        channel="email",
        to_number="",
        to_address=JANE,
        subject="Ticket moved to the help desk",
        body="Dear Jane,\n\nYour ticket was moved.",
    )


@pytest.fixture
def make_redirect(session: Session, ticket: Ticket, now: datetime) -> Callable[..., OutboxMessage]:
    """A redirect of CALL_SID to REDIRECT_PATH, due now."""
    return partial(
        new_outbox,
        session,
        ticket_id=ticket.id,
        due=now,
        kind="redirect",
        channel="redirect",
        to_number=CALL_SID,
        body=REDIRECT_PATH,
    )


def tick(database: Database, messenger, now: datetime, **kw) -> RelayReport:
    """One relay tick with the test's origin and a seeded jitter."""
    return relay_due(
        database.sessionmaker,
        messenger,
        now,
        status_callback_url=SMS_CALLBACK,
        public_base_url=BASE,
        rng=random.Random(3),
        **kw,
    )


def timeline(session: Session, ticket: Ticket) -> list[tuple[str, str]]:
    """(kind, message) of every event on the ticket."""
    session.expire_all()
    return [(e.kind, e.message) for e in events_of(session, ticket.id)]


# --- email ----------------------------------------------------------------------------


def test_an_email_goes_through_the_mailer(
    database, session, messenger, mailer, ticket, now, make_email
):
    row = make_email()

    report = tick(database, messenger, now, mailer=mailer)

    assert report == RelayReport(sent=1)
    [mail] = mailer.sent
    assert (mail["to"], mail["subject"]) == (JANE, "Ticket moved to the help desk")
    assert mail["body"] == "Dear Jane,\n\nYour ticket was moved."
    assert messenger.sent == []
    row = fresh(session, row)
    assert (row.status, row.provider_sid, row.sent_at) == ("sent", mail["id"], now)
    assert timeline(session, ticket) == [
        ("email_sent", f"Email sent to {JANE} (Ticket moved to the help desk)")
    ]


def test_a_refused_email_fails_at_once(
    database, session, messenger, mailer, ticket, now, make_email
):
    row = make_email()
    mailer.fail_next(MAILBOX_FULL)

    report = tick(database, messenger, now, mailer=mailer)

    assert report == RelayReport(failed=1)
    row = fresh(session, row)
    assert (row.status, row.error_code, row.attempts) == ("failed", "552", 1)
    assert timeline(session, ticket) == [
        (
            "email_failed",
            f"Email to {JANE} (Ticket moved to the help desk) FAILED (not retried): "
            "552: SMTP 552: mailbox full",
        )
    ]


def test_a_greylisted_email_is_retried_later(
    database, session, messenger, mailer, ticket, now, make_email
):
    row = make_email()
    mailer.fail_next(GREYLISTED)

    assert tick(database, messenger, now, mailer=mailer) == RelayReport(retried=1)
    row = fresh(session, row)
    assert row.status == "pending" and row.next_attempt_at > now
    [(kind, message)] = timeline(session, ticket)
    assert kind == "email_retrying"
    assert message.startswith(f"Email to {JANE} (Ticket moved to the help desk) not sent yet")

    assert tick(database, messenger, row.next_attempt_at, mailer=mailer).sent == 1
    assert len(mailer.sent) == 1


def test_without_a_mailer_the_email_is_logged(
    database, session, messenger, now, make_email, caplog
):
    row = make_email()

    with caplog.at_level(logging.INFO, logger="scheduler.mail"):
        tick(database, messenger, now)

    assert fresh(session, row).status == "sent"
    assert JANE in caplog.text and "Your ticket was moved." in caplog.text
    assert fresh(session, row).provider_sid.startswith("<logged.")


def test_emails_are_never_bundled_or_held(
    database, session, messenger, mailer, ticket, now, make_email
):
    # Jane was just mailed: were emails paced like texts, the next would wait a minute;
    # were they bundled, the three below would be one.
    make_email(status="sent", sent_at=now - timedelta(seconds=5))
    make_email()
    make_email(subject="Second notice")
    make_email(subject="Third notice")

    report = tick(database, messenger, now, mailer=mailer)

    assert report == RelayReport(sent=3)
    assert [m["subject"] for m in mailer.sent] == [
        "Ticket moved to the help desk",
        "Second notice",
        "Third notice",
    ]


def test_pages_are_claimed_before_an_email_backlog(
    database, session, messenger, mailer, ticket, now, make_email
):
    # The email has waited longer, yet the page (and the redirect) go first.
    make_email(next_attempt_at=now - timedelta(minutes=5))
    new_outbox(session, ticket_id=ticket.id, due=now)

    report = tick(database, messenger, now, mailer=mailer, batch=1)

    assert report == RelayReport(sent=1)
    assert len(messenger.sms) == 1 and mailer.sent == []


# --- redirect -------------------------------------------------------------------------


def test_a_redirect_moves_the_live_call_to_the_absolute_url(
    database, session, messenger, ticket, now, make_redirect
):
    row = make_redirect()

    assert tick(database, messenger, now) == RelayReport(sent=1)

    [moved] = messenger.redirects
    assert (moved["call_sid"], moved["url"]) == (CALL_SID, BASE + REDIRECT_PATH)
    assert messenger.sms == [] and messenger.calls == []
    row = fresh(session, row)
    assert (row.status, row.provider_sid) == ("sent", CALL_SID)
    assert timeline(session, ticket) == [
        ("redirect_sent", f"Live call redirected to {REDIRECT_PATH} ({CALL_SID})")
    ]


def test_a_redirect_after_the_caller_hung_up_is_not_retried(
    database, session, messenger, ticket, now, make_redirect
):
    row = make_redirect()
    messenger.fail_next(CallEndedError("HTTP 400: Call is not in-progress", "21220"))

    assert tick(database, messenger, now) == RelayReport(failed=1)

    row = fresh(session, row)
    assert (row.status, row.error_code, row.attempts) == ("failed", "21220", 1)
    assert timeline(session, ticket) == [
        (
            "redirect_failed",
            f"Live call not redirected to {REDIRECT_PATH}: "
            "21220: the call has ended (the caller already hung up)",
        )
    ]


def test_redirects_to_one_call_are_not_bundled(database, messenger, now, make_redirect):
    make_redirect()
    make_redirect(body="/twilio/voice/other")

    assert tick(database, messenger, now).sent == 2
    assert [r["url"] for r in messenger.redirects] == [
        BASE + REDIRECT_PATH,
        BASE + "/twilio/voice/other",
    ]


# --- the scheduler passes its mailer on -------------------------------------------------


def test_run_relay_and_build_scheduler_take_the_mailer(
    database, session, messenger, mailer, clock, make_email
):
    make_email()

    run_relay(database.sessionmaker, messenger, clock, SMS_CALLBACK, None, BASE, mailer)

    assert [m["to"] for m in mailer.sent] == [JANE]
    scheduler = build_scheduler(
        database.sessionmaker,
        messenger,
        clock,
        status_callback_url=None,
        background=True,
        mailer=mailer,
    )
    assert scheduler.get_job("outbox-relay").args[-1] is mailer
