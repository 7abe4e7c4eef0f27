"""Email behind a small Protocol: SMTP when SMTP_URL is set, the log when it is not.

Like the Twilio transport, only SendErrors leave this module: smtplib's and socket's
exceptions are mapped to "retry later" (4xx replies, network trouble, timeouts) or
"give up" (5xx replies, such as a refused recipient).

SMTP_URL: `smtp://user:pass@host:587` (STARTTLS whenever the server offers it) or
`smtps://user:pass@host:465` (TLS from the first byte); `?from=intake@firm.example` sets
the From address (default intake@localhost). `none` (or unset): mail is only logged.
"""

from __future__ import annotations

import logging
import secrets
import smtplib
import ssl
import time
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from scheduler.errors import PermanentSendError, SendError, TransientSendError
from ticketing.accounts.emails import without_links

log = logging.getLogger(__name__)

DEFAULT_FROM = "intake@localhost"
TIMEOUT_SECONDS = 10.0
DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
LOG_ONLY = ("", "none", "log")
LOOPBACK = ("localhost", "127.0.0.1", "::1")


class Mailer(Protocol):
    """What the relay needs from an email provider."""

    def send(self, to: str, subject: str, body: str) -> str:
        """Send one plain-text email and return its Message-ID."""
        ...


@dataclass(frozen=True)
class SmtpTarget:
    """Where and how to hand mail over, as SMTP_URL says."""

    host: str
    port: int
    implicit_tls: bool
    username: str | None
    password: str | None
    sender: str


def parse_smtp_url(url: str) -> SmtpTarget:
    """The parts of an smtp:// or smtps:// URL; ValueError with a clear message otherwise."""
    parts = urlsplit(url.strip())
    if parts.scheme not in DEFAULT_PORTS:
        raise ValueError(f"SMTP_URL must start with smtp:// or smtps:// (or be none), not {url!r}")
    if not parts.hostname:
        raise ValueError("SMTP_URL names no host, e.g. smtp://user:pass@mail.example.com:587")
    try:
        port = parts.port or DEFAULT_PORTS[parts.scheme]
    except ValueError:
        raise ValueError("SMTP_URL has a port that is not a number") from None
    sender = parse_qs(parts.query).get("from", [DEFAULT_FROM])[0].strip()
    if "@" not in parseaddr(sender)[1]:
        raise ValueError(f"SMTP_URL's from={sender!r} is not an email address")
    return SmtpTarget(
        host=parts.hostname,
        port=port,
        implicit_tls=parts.scheme == "smtps",
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        sender=sender,
    )


def compose(sender: str, to: str, subject: str, body: str) -> EmailMessage:
    """A plain-text message with a fresh Message-ID; PermanentSendError for a bad address."""
    address = parseaddr(to)[1]
    if "@" not in address or any(ch in to for ch in "\r\n"):
        raise PermanentSendError(f"{to!r} is not an email address")
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    # A header cannot hold a line break (header injection); a subject needs none.
    message["Subject"] = " ".join(subject.split())
    message["Date"] = formatdate(usegmt=True)
    # Short enough for the outbox's provider_sid column, unique enough for threading.
    message["Message-ID"] = f"<{secrets.token_hex(8)}.{int(time.time())}@{domain}>"
    message.set_content(body)
    return message


class SmtpMailer:
    """Sends mail through the SMTP server of SMTP_URL, one connection per message."""

    def __init__(self, smtp_url: str, *, timeout: float = TIMEOUT_SECONDS) -> None:
        self.target = parse_smtp_url(smtp_url)
        self.timeout = timeout
        self.tls = ssl.create_default_context()

    def send(self, to: str, subject: str, body: str) -> str:
        """Hand one email to the server; only SendErrors leave."""
        message = compose(self.target.sender, to, subject, body)
        try:
            with self._connect() as smtp:
                self._secure_and_login(smtp)
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            raise _refused(exc) from exc
        except smtplib.SMTPResponseException as exc:
            raise _by_reply(exc.smtp_code, exc.smtp_error) from exc
        except smtplib.SMTPNotSupportedError as exc:
            raise PermanentSendError(f"SMTP server does not support it: {exc}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            # Disconnected, refused connection, DNS, TLS handshake, timeout: try again later.
            raise TransientSendError(f"{type(exc).__name__}: {exc}") from exc
        return str(message["Message-ID"])

    def _connect(self) -> smtplib.SMTP:
        target = self.target
        if target.implicit_tls:
            return smtplib.SMTP_SSL(
                target.host, target.port, timeout=self.timeout, context=self.tls
            )
        return smtplib.SMTP(target.host, target.port, timeout=self.timeout)

    def _secure_and_login(self, smtp: smtplib.SMTP) -> None:
        target = self.target
        encrypted = target.implicit_tls
        smtp.ehlo()
        if not encrypted and smtp.has_extn("starttls"):
            smtp.starttls(context=self.tls)
            smtp.ehlo()
            encrypted = True
        if target.username is None:
            return
        if not encrypted and target.host not in LOOPBACK:
            # The password would cross the network in clear: a setting to fix, not retry.
            raise PermanentSendError(
                f"{target.host} does not offer STARTTLS: not sending the SMTP password in clear"
                " (use smtps:// or a server with STARTTLS)"
            )
        smtp.login(target.username, target.password or "")


def _text(raw: bytes | str) -> str:
    return raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw)


def _by_reply(code: int, message: bytes | str) -> SendError:
    """A 5xx reply is final; a 4xx (or a broken reply, code -1) may pass later."""
    text = f"SMTP {code}: {_text(message)}"
    if 500 <= code < 600:
        return PermanentSendError(text, str(code))
    return TransientSendError(text, str(code) if code > 0 else None)


def _refused(exc: smtplib.SMTPRecipientsRefused) -> SendError:
    # One recipient per message: its reply decides.
    code, message = next(iter(exc.recipients.values()), (-1, b"recipient refused"))
    return _by_reply(code, message)


class LogMailer:
    """No SMTP_URL: each email is written to the log (docs/design.md §3: "none: mail is logged")."""

    def send(self, to: str, subject: str, body: str) -> str:
        """Log the email and return a made-up Message-ID."""
        message_id = f"<logged.{secrets.token_hex(8)}@localhost>"
        # Logs outlive the one-time links they would hold; `intake access approve` and
        # `intake users add(-staff)` print the new account's link to whoever ran them.
        log.info(
            "email not sent (no SMTP_URL) to %s: %s %s\n%s",
            to,
            subject,
            message_id,
            without_links(body),
        )
        return message_id


def mailer_from_url(smtp_url: str | None) -> Mailer:
    """The mailer SMTP_URL asks for: SMTP, or the log when unset or `none`."""
    if smtp_url is None or smtp_url.strip().lower() in LOG_ONLY:
        return LogMailer()
    return SmtpMailer(smtp_url)
