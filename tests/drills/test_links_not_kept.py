"""A one-time password link is readable only until its email leaves: afterwards neither the
outbox row nor the log line of a logged email (no SMTP_URL) still holds it, so a database
dump, a backup or a log reader cannot take over the account."""

from __future__ import annotations

import logging
import random

from scheduler.errors import PermanentSendError
from scheduler.mail import LogMailer
from scheduler.relay import relay_due
from tests.support.fake_transport import RecordingMailer, RecordingMessenger
from tests.support.outbox import SMS_CALLBACK, account_emails, link_path
from tests.support.people import JANE_EMAIL
from ticketing.accounts.credentials import issue_link
from ticketing.accounts.models import TokenPurpose
from ticketing.firm import Firm

FIRM = Firm(name="Accelerando", base_url="https://intake.example.com")


def _issue(session, clock, jane, purpose: TokenPurpose) -> str:
    link = issue_link(session, jane, purpose, now=clock(), firm=FIRM)
    session.commit()
    return link


def _tick(database, clock, mailer) -> None:
    relay_due(
        database.sessionmaker,
        RecordingMessenger(),
        clock(),
        status_callback_url=SMS_CALLBACK,
        public_base_url=FIRM.base_url,
        mailer=mailer,
        rng=random.Random(3),
    )


def test_a_sent_link_email_no_longer_holds_the_link(database, session, clock, jane) -> None:
    links = [_issue(session, clock, jane, p) for p in (TokenPurpose.SET, TokenPurpose.RESET)]
    mailer = RecordingMailer()
    _tick(database, clock, mailer)

    # The recipient got the links; the stored copies lost them.
    assert [link_path(mail["body"]) for mail in mailer.sent] == [link_path(x) for x in links]
    emails = account_emails(session, to=JANE_EMAIL)
    assert [email.status for email in emails] == ["sent", "sent"]
    for email, link in zip(emails, links, strict=True):
        token = link.rsplit("/", 1)[1]
        assert token not in email.body
        assert "/set-password/" not in email.body
        assert "[link removed after sending]" in email.body


def test_an_unsent_link_email_keeps_its_link(database, session, clock, jane) -> None:
    link = _issue(session, clock, jane, TokenPurpose.RESET)
    [email] = account_emails(session, to=JANE_EMAIL)
    assert link in email.body  # the relay still has to send it


def test_a_logged_email_does_not_print_the_link(session, clock, jane, caplog) -> None:
    link = _issue(session, clock, jane, TokenPurpose.SET)
    [email] = account_emails(session, to=JANE_EMAIL)
    with caplog.at_level(logging.INFO, logger="scheduler.mail"):
        LogMailer().send(JANE_EMAIL, email.subject, email.body)
    assert JANE_EMAIL in caplog.text
    assert link.rsplit("/", 1)[1] not in caplog.text
    assert "[link removed" in caplog.text


def test_a_refused_link_email_no_longer_holds_the_link(database, session, clock, jane) -> None:
    link = _issue(session, clock, jane, TokenPurpose.RESET)
    mailer = RecordingMailer()
    mailer.fail_next(PermanentSendError("SMTP 550: no such mailbox", "550"))
    _tick(database, clock, mailer)

    [email] = account_emails(session, to=JANE_EMAIL)
    assert email.status == "failed"
    assert link.rsplit("/", 1)[1] not in email.body
