"""The send step of the relay: one delivery through the transport its channel needs, and
how the timeline names what was sent.

Channels: sms and call (Twilio, pages and notices), email (a Mailer: SMTP or the log),
redirect (Twilio's Calls API moves a live call to new TwiML; `to_number` holds its
CallSid, `body` the TwiML path). Emails and redirects are never bundled or paced
(scheduler/bundling.py bundles SMS only).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from scheduler.bundling import text_of
from scheduler.errors import CallEndedError, PermanentSendError, SendError, TransientSendError
from scheduler.mail import Mailer
from scheduler.transport import Messenger
from scheduler.webhooks import Poster
from ticketing.models import OutboxChannel

log = logging.getLogger(__name__)

LABELS = {
    OutboxChannel.SMS: "SMS page",
    OutboxChannel.CALL: "Voice page",
    OutboxChannel.EMAIL: "Email",
    OutboxChannel.WEBHOOK: "Webhook",
}


@dataclass(frozen=True)
class Claim:
    """A detached copy of a claimed row: the send step runs with no session open."""

    id: int
    ticket_id: int | None
    kind: str
    channel: str
    to_number: str
    body: str
    attempts: int
    lease_until: datetime
    to_address: str | None = None
    subject: str | None = None
    # Set when an earlier attempt may have reached Twilio: look before sending again.
    uncertain_since: datetime | None = None
    # None on a text to a client, which is never bundled with a technician's.
    technician_id: int | None = None

    @property
    def label(self) -> str:
        """How the timeline names this kind of message."""
        return LABELS.get(self.channel, "Live call redirect")

    @property
    def event(self) -> str:
        """The prefix of its timeline event kinds: page_sent, email_failed, redirect_..."""
        return (
            self.channel
            if self.channel in (OutboxChannel.EMAIL, OutboxChannel.REDIRECT)
            else "page"
        )

    @property
    def what(self) -> str:
        """The message and where it goes, as the timeline words it."""
        if self.channel == OutboxChannel.EMAIL:
            return f"Email to {self.to_address} ({self.subject})"
        if self.channel == OutboxChannel.REDIRECT:
            return f"Live call redirect to {self.body}"
        return f"{self.label} to {self.to_number}"

    def sent_line(self, sid: str, note: str) -> str:
        """The timeline line once it has left."""
        if self.channel == OutboxChannel.EMAIL:
            return f"Email sent to {self.to_address} ({self.subject})"
        if self.channel == OutboxChannel.REDIRECT:
            return f"Live call redirected to {self.body} ({self.to_number})"
        verb = "placed" if self.channel == OutboxChannel.CALL else "sent"
        return f"{self.label} {verb} to {self.to_number} ({sid}){note}"

    def failed_line(self, error: SendError, note: str) -> str:
        """The timeline line when it will not be tried again."""
        if isinstance(error, CallEndedError):
            # Not a fault: the caller hung up before the move; nobody needs to act.
            return f"Live call not redirected to {self.body}: {error.explanation}"
        if isinstance(error, PermanentSendError):
            why = f"(not retried): {error.explanation}"
        else:
            why = f"after {self.attempts} attempts: {error.explanation}"
        return f"{self.what} FAILED{note} {why}"


# One SMS, call, email or redirect: a lone claim, or a bundle of texts to one number.
Delivery = tuple[Claim, ...]


@dataclass(frozen=True)
class Callbacks:
    """Where Twilio reports back, and the origin that relative TwiML paths hang off."""

    sms_status: str | None = None
    call_status: str | None = None
    public_base_url: str = ""

    def absolute(self, url: str) -> str:
        """A TwiML URL Twilio can fetch: relative paths are put under PUBLIC_BASE_URL."""
        return self.public_base_url.rstrip("/") + url if url.startswith("/") else url


def send(
    messenger: Messenger,
    mailer: Mailer,
    delivery: Delivery,
    callbacks: Callbacks,
    poster: Poster | None = None,
) -> str | SendError:
    """The SID (or Message-ID) on success, the SendError otherwise; never raises."""
    claim = delivery[0]
    try:
        return _dispatch(messenger, mailer, delivery, callbacks, poster)
    except SendError as exc:
        return exc
    except Exception as exc:
        # A bug in a transport must not wedge the row in 'sending': count it as a try.
        log.exception(
            "outbox %s: unexpected error from the %s transport",
            claim.id,
            claim.channel,
            extra={"outbox_id": claim.id, "ticket_id": claim.ticket_id},
        )
        return TransientSendError(f"{type(exc).__name__}: {exc}")


def _already_sent(messenger: Messenger, to: str, body: str, delivery: Delivery) -> str | None:
    """The SID of this very text if an earlier attempt whose answer was lost did send it."""
    starts = [c.uncertain_since for c in delivery if c.uncertain_since is not None]
    if not starts:
        return None
    try:
        sid = messenger.find_sent(to, body, min(starts))
    except SendError as exc:
        # At least once: a lookup that fails must never cost a page.
        log.warning("outbox %s: could not look the text up at Twilio (%s)", delivery[0].id, exc)
        return None
    if sid is not None:
        log.info("outbox %s: Twilio already has it as %s; not sending again", delivery[0].id, sid)
    return sid


def _dispatch(
    messenger: Messenger,
    mailer: Mailer,
    delivery: Delivery,
    callbacks: Callbacks,
    poster: Poster | None,
) -> str | SendError:
    claim = delivery[0]
    if claim.channel == OutboxChannel.SMS:
        body = text_of(delivery)
        found = _already_sent(messenger, claim.to_number, body, delivery)
        if found is not None:
            return found
        return messenger.send_sms(claim.to_number, body, status_callback=callbacks.sms_status)
    if claim.channel == OutboxChannel.CALL:
        return messenger.place_call(
            claim.to_number,
            callbacks.absolute(claim.body),
            status_callback=callbacks.call_status,
            machine_detection=True,
        )
    if claim.channel == OutboxChannel.EMAIL:
        if not claim.to_address:
            return PermanentSendError("no email address to send to")
        return mailer.send(claim.to_address, claim.subject or "", claim.body)
    if claim.channel == OutboxChannel.REDIRECT:
        return messenger.redirect_call(claim.to_number, callbacks.absolute(claim.body))
    if claim.channel == OutboxChannel.WEBHOOK:
        if poster is None:
            return TransientSendError("no webhook poster in this relay")
        return poster.post(int(claim.to_number), claim.subject or f"msg_{claim.id}", claim.body)
    return PermanentSendError(f"unknown channel {claim.channel!r}")
