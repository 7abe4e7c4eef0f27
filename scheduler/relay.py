"""The outbox relay: claim due rows, send them (Twilio Messenger; a Mailer for email),
record every outcome.

Each row goes through three short steps: a claim transaction (status 'sending' under a
lease), the send with no transaction open (a slow Twilio must never hold a lock that the
webhooks wait on), and a record transaction. A row is sent at most once per claim and
never again once it is 'sent'; only a relay that dies between send and record can cause
a duplicate, when the lease expires and another tick claims the row again.

Bundling and pacing (the rule and its reasons: scheduler/bundling.py): SMS pages and
notices due to one number in one tick go out as ONE text whose SID and outcome all its rows
share. A number texted one less than 60 s ago gets the next ones only 60 s after it: the
claim leaves them 'pending', next_attempt_at then, no attempt counted. So the first page to
a quiet phone goes at once, and a burst becomes that page, then one bundle a minute.
Voice pages due to one number ring it as one call, paced the same way. Replies, alerts,
help-desk calls, emails and redirects (scheduler/sending.py) are neither held nor bundled.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, or_, orm, select
from sqlalchemy.orm import Session

from scheduler.bundling import bundle_mates, bundle_note, carry, group, held_until
from scheduler.mail import LogMailer, Mailer
from scheduler.sending import Callbacks, Claim, Delivery, send
from scheduler.transport import Messenger, PermanentSendError, SendError, TransientSendError
from scheduler.webhooks import Poster, SignedPoster
from ticketing.accounts.emails import without_links
from ticketing.models import OutboxChannel, OutboxKind, OutboxMessage, OutboxStatus
from ticketing.paging.delivery import page_failed
from ticketing.timeline import add_event

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
# Stop starting sends well before the lease runs out, leaving room for one slow send.
SEND_BUDGET_SECONDS = 40.0
MAX_ATTEMPTS = 10
# A page or alert that only ever met transient errors (Twilio down, rate limits, network)
# is not given up after MAX_ATTEMPTS: the escalation moves on then (ring instead of text,
# or the next step), and the row keeps retrying at the capped back-off until it is this
# old, so a long Twilio outage ends with every page delivered rather than dropped.
KEEP_TRYING = timedelta(hours=12)
KEEPS_TRYING_KINDS = (OutboxKind.PAGE, OutboxKind.ALERT)
BACKOFF_BASE_SECONDS = 5.0
BACKOFF_CAP_SECONDS = 300.0

_rng = random.Random()


@dataclass
class RelayReport:
    """What one relay tick did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    released: int = 0
    held: int = 0

    @property
    def total(self) -> int:
        """Rows this tick touched."""
        return self.sent + self.retried + self.failed + self.released + self.held


def backoff(attempts: int, rng: random.Random) -> timedelta:
    """The wait after `attempts` failed tries: doubling from 5 s, capped at 5 min, half jittered."""
    exponent = min(max(attempts, 1) - 1, 16)
    ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2**exponent)
    # Equal jitter: a floor of half the ceiling keeps retries from hammering Twilio,
    # the random half keeps two schedulers (or many rows) from retrying in lockstep.
    return timedelta(seconds=ceiling / 2 + rng.random() * ceiling / 2)


def _due(now: datetime) -> ColumnElement[bool]:
    pending = and_(
        OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now
    )
    abandoned = and_(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.lease_until < now)
    return or_(pending, abandoned)


def claim_due(
    session: Session, now: datetime, batch: int, report: RelayReport | None = None
) -> list[Claim]:
    """Lease up to `batch` due rows to this relay, holding back paced texts (caller commits)."""
    stmt = (
        select(OutboxMessage)
        .where(_due(now))
        # Emails last: a backlog of mail (or a slow SMTP server) must never hold back a
        # page, a voice page or a caller waiting to be redirected.
        .order_by(
            case((OutboxMessage.channel == OutboxChannel.EMAIL, 1), else_=0),
            OutboxMessage.next_attempt_at,
            OutboxMessage.id,
        )
        .limit(batch)
        # PostgreSQL: a second scheduler skips rows this one holds; SQLite renders
        # nothing here and relies on BEGIN IMMEDIATE (one writer at a time).
        .with_for_update(skip_locked=True)
    )
    rows = list(session.scalars(stmt))
    # The rest of each bundle comes along: one text a minute must carry all that is due.
    rows += bundle_mates(session, rows, _due(now))
    held = held_until(session, rows, now, LEASE)
    claims = []
    for row in rows:
        if row.id in held:
            row.retry_at(held[row.id])
            if report is not None:
                report.held += 1
            continue
        if row.status == OutboxStatus.SENDING:
            log.warning(
                "outbox %s: lease expired mid-send, claiming it again",
                row.id,
                extra={"outbox_id": row.id, "ticket_id": row.ticket_id},
            )
            # The relay that held it may have sent it before dying: look before resending.
            if row.lease_until is not None:
                row.note_uncertain(row.lease_until - LEASE)
        row.lease(now + LEASE)
        claims.append(_snapshot(row))
    carry([row for row in rows if row.id not in held])
    return claims


def _snapshot(row: OutboxMessage) -> Claim:
    assert row.lease_until is not None
    return Claim(
        id=row.id,
        ticket_id=row.ticket_id,
        kind=row.kind,
        channel=row.channel,
        to_number=row.to_number,
        body=row.body,
        attempts=row.attempts,
        lease_until=row.lease_until,
        to_address=row.to_address,
        subject=row.subject,
        uncertain_since=row.uncertain_since,
        technician_id=row.technician_id,
    )


def _note(session: Session, claim: Claim, kind: str, message: str, now: datetime) -> None:
    if claim.ticket_id is not None:
        add_event(session, claim.ticket_id, kind, message, at=now)


def _mark_sent(
    session: Session, row: OutboxMessage, claim: Claim, sid: str, now: datetime, note: str
) -> None:
    row.mark_sent(sid, now)
    _forget_links(row)
    _note(session, claim, f"{claim.event}_sent", claim.sent_line(sid, note), now)


def _mark_failed(
    session: Session, row: OutboxMessage, claim: Claim, error: SendError, now: datetime, note: str
) -> None:
    row.mark_failed(error.code, str(error))
    _forget_links(row)
    _note(session, claim, f"{claim.event}_failed", claim.failed_line(error, note), now)
    # An escalation does not wait for its timer when a page cannot get through.
    page_failed(session, row, now=now, reason=error.explanation)


def _forget_links(row: OutboxMessage) -> None:
    # A one-time link is a password until used: once its email is final (sent, or never
    # to be), a database dump or backup must not hold it.
    if row.channel == OutboxChannel.EMAIL:
        row.body = without_links(row.body)


def _schedule_retry(
    session: Session,
    row: OutboxMessage,
    claim: Claim,
    error: SendError,
    now: datetime,
    delay: timedelta,
    note: str,
) -> None:
    row.retry_at(now + delay)
    row.note_error(error.code, str(error))
    if isinstance(error, TransientSendError) and error.maybe_accepted:
        # `now` is when this tick began, so before the attempt: a safe lower bound.
        row.note_uncertain(now)
    if claim.attempts == 1:
        message = (
            f"{claim.what}{note} not sent yet ({error.explanation}); "
            f"retrying in {delay.total_seconds():.0f} s"
        )
        _note(session, claim, f"{claim.event}_retrying", message, now)


def _is_ours(row: OutboxMessage | None, claim: Claim) -> bool:
    return row is not None and row.is_leased_until(claim.lease_until)


def record(
    session: Session,
    delivery: Delivery,
    outcome: str | SendError,
    now: datetime,
    rng: random.Random,
    report: RelayReport,
) -> None:
    """Store the outcome of one send on every row it carried and on their tickets' timelines."""
    # One delay for the whole bundle, so that its rows come due (and go) together again.
    failed = isinstance(outcome, SendError)
    delay = backoff(max(c.attempts for c in delivery), rng) if failed else timedelta(0)
    rows = _locked(session, [claim.id for claim in delivery])
    for claim in delivery:
        row = rows.get(claim.id)
        if not _is_ours(row, claim):
            log.warning(
                "outbox %s: no longer ours, outcome %r not recorded",
                claim.id,
                outcome,
                extra={"outbox_id": claim.id, "ticket_id": claim.ticket_id},
            )
            continue
        assert row is not None
        note = bundle_note(claim, delivery)
        if isinstance(outcome, str):
            _mark_sent(session, row, claim, outcome, now, note)
            report.sent += 1
        elif isinstance(outcome, PermanentSendError) or (
            claim.attempts >= MAX_ATTEMPTS and not _keeps_trying(row, now)
        ):
            _mark_failed(session, row, claim, outcome, now, note)
            report.failed += 1
        else:
            if claim.attempts == MAX_ATTEMPTS:
                _escalate_while_retrying(session, row, claim, outcome, now)
            _schedule_retry(session, row, claim, outcome, now, delay, note)
            report.retried += 1


def _locked(session: Session, ids: list[int]) -> dict[int, OutboxMessage]:
    """The rows of `ids`, locked, by id: one statement for any number of claims. A look-up
    a row flushed the row before at each step, and a bundle of a burst's 200 pages held
    the relay's tick (and every page committed meanwhile) for over a second."""
    stmt = (
        select(OutboxMessage)
        .where(OutboxMessage.id.in_(ids))
        .order_by(OutboxMessage.id)  # one order for every locker: no deadlock
        .with_for_update()
    )
    return {row.id: row for row in session.scalars(stmt)}


def _keeps_trying(row: OutboxMessage, now: datetime) -> bool:
    return row.kind in KEEPS_TRYING_KINDS and now - row.created_at < KEEP_TRYING


def _escalate_while_retrying(
    session: Session, row: OutboxMessage, claim: Claim, error: SendError, now: datetime
) -> None:
    """At the attempt limit the escalation stops waiting for Twilio; the row still retries."""
    message = (
        f"{claim.what} still not sent after {MAX_ATTEMPTS} attempts ({error.explanation}); "
        f"escalating, and retrying for up to {KEEP_TRYING.total_seconds() / 3600:.0f} h"
    )
    _note(session, claim, f"{claim.event}_retrying", message, now)
    page_failed(session, row, now=now, reason=error.explanation)


def release(session: Session, claims: list[Claim], now: datetime) -> int:
    """Hand back claimed rows that were not tried, without counting an attempt."""
    released = 0
    rows = _locked(session, [claim.id for claim in claims])
    for claim in claims:
        row = rows.get(claim.id)
        if _is_ours(row, claim):
            assert row is not None
            row.release(now)
            released += 1
    return released


def _apart(deliveries: list[Delivery]) -> list[Delivery]:
    """Texts that may already have gone leave their bundle, grouped by the attempt that
    carried them, so that each text is the one that attempt tried and the look-up finds it."""
    # A page that joined since, or one from another attempt, would change the text.
    result: list[Delivery] = []
    for delivery in deliveries:
        attempts: dict[datetime | None, list[Claim]] = {}
        for claim in delivery:
            attempts.setdefault(claim.uncertain_since, []).append(claim)
        result += [tuple(claims) for claims in attempts.values()]
    return result


def relay_due(
    sessionmaker: orm.sessionmaker[Session],
    messenger: Messenger,
    now: datetime,
    *,
    status_callback_url: str | None,
    call_status_callback_url: str | None = None,
    public_base_url: str = "",
    mailer: Mailer | None = None,
    poster: Poster | None = None,
    batch: int = 50,
    rng: random.Random | None = None,
    monotonic: Callable[[], float] = time.monotonic,
) -> RelayReport:
    """Send every due outbox row once and record each outcome; one call is one tick."""
    callbacks = Callbacks(status_callback_url, call_status_callback_url, public_base_url)
    mailer = mailer or LogMailer()
    poster = poster or SignedPoster(sessionmaker)
    report = RelayReport()
    with sessionmaker.begin() as session:
        deliveries = _apart(group(claim_due(session, now, batch, report)))
    started = monotonic()
    for index, delivery in enumerate(deliveries):
        if monotonic() - started > SEND_BUDGET_SECONDS:
            untried = [claim for rest in deliveries[index:] for claim in rest]
            with sessionmaker.begin() as session:
                report.released = release(session, untried, now)
            break
        outcome = send(messenger, mailer, delivery, callbacks, poster)
        # Recorded at once, text by text, so a crash loses at most the one in flight.
        with sessionmaker.begin() as session:
            record(session, delivery, outcome, now, rng or _rng, report)
    return report
