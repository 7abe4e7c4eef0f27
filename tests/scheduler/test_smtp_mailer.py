"""SmtpMailer: SMTP_URL parsing, TLS and login, error mapping (smtplib stubbed), and one
real conversation with a tiny SMTP server on a thread; LogMailer; mailer_for(settings)."""

from __future__ import annotations

import logging
import smtplib
import socket
import socketserver
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from typing import Any

import pytest

from intake.config import ConfigError, Settings
from intake.runtime import mailer_for, scheduler_for
from scheduler.errors import PermanentSendError, TransientSendError
from scheduler.mail import DEFAULT_FROM, LogMailer, SmtpMailer, parse_smtp_url

TO = "jane@bakery.test"


@dataclass
class StubServer:
    """What the stubbed smtplib connections do and saw."""

    extensions: set[str] = field(default_factory=lambda: {"starttls", "auth"})
    fail_on: str | None = None  # connect | login | send
    error: Exception | None = None
    log: list[Any] = field(default_factory=list)
    sent: list[Any] = field(default_factory=list)


class FakeSMTP:
    """smtplib.SMTP as scripted by `server` (set by the `stub` fixture)."""

    server: StubServer
    implicit = False

    def __init__(self, host: str, port: int, **kwargs: Any) -> None:
        self.server.log.append(("connect", host, port, self.implicit, kwargs.get("timeout")))
        self._maybe_fail("connect")

    def _maybe_fail(self, step: str) -> None:
        if self.server.fail_on == step and self.server.error is not None:
            raise self.server.error

    def __enter__(self) -> FakeSMTP:
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.log.append("quit")

    def ehlo(self) -> None:
        self.server.log.append("ehlo")

    def has_extn(self, name: str) -> bool:
        return name in self.server.extensions

    def starttls(self, **kwargs: Any) -> None:
        self.server.log.append("starttls")

    def login(self, user: str, password: str) -> None:
        self.server.log.append(("login", user, password))
        self._maybe_fail("login")

    def send_message(self, message: Any) -> None:
        self._maybe_fail("send")
        self.server.sent.append(message)


class FakeSMTPSSL(FakeSMTP):
    """smtplib.SMTP_SSL, scripted the same way."""

    implicit = True


@pytest.fixture
def stub(monkeypatch: pytest.MonkeyPatch) -> StubServer:
    """smtplib.SMTP and SMTP_SSL replaced by a scripted fake."""
    server = StubServer()
    monkeypatch.setattr(FakeSMTP, "server", server, raising=False)
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    monkeypatch.setattr(smtplib, "SMTP_SSL", FakeSMTPSSL)
    return server


def test_starttls_then_login_then_send(stub):
    mailer = SmtpMailer("smtp://intake%40firm.test:p%40ss@mail.firm.test:587?from=help@firm.test")

    message_id = mailer.send(TO, "Request #1042 scheduled", "Dear Jane,\n\nSee you Tuesday.")

    assert stub.log == [
        ("connect", "mail.firm.test", 587, False, 10.0),
        "ehlo",
        "starttls",
        "ehlo",
        ("login", "intake@firm.test", "p@ss"),
        "quit",
    ]
    [sent] = stub.sent
    assert (sent["From"], sent["To"]) == ("help@firm.test", TO)
    assert sent["Subject"] == "Request #1042 scheduled"
    assert sent["Message-ID"] == message_id and message_id.endswith("@firm.test>")
    assert len(message_id) <= 64
    assert "See you Tuesday." in sent.get_content()


def test_smtps_is_tls_from_the_start(stub):
    SmtpMailer("smtps://u:p@mail.firm.test").send(TO, "s", "b")

    assert stub.log[0] == ("connect", "mail.firm.test", 465, True, 10.0)
    assert "starttls" not in stub.log
    assert ("login", "u", "p") in stub.log


def test_no_starttls_offered_means_no_password_in_clear(stub):
    stub.extensions = set()

    with pytest.raises(PermanentSendError, match="not sending the SMTP password in clear"):
        SmtpMailer("smtp://u:p@mail.firm.test").send(TO, "s", "b")

    assert stub.sent == [] and not any(isinstance(e, tuple) and e[0] == "login" for e in stub.log)


def test_without_credentials_nobody_logs_in(stub):
    stub.extensions = set()

    SmtpMailer("smtp://relay.firm.test").send(TO, "s", "b")

    assert stub.log[0] == ("connect", "relay.firm.test", 25, False, 10.0)
    assert [e for e in stub.log if isinstance(e, tuple) and e[0] == "login"] == []
    assert stub.sent[0]["From"] == DEFAULT_FROM


@pytest.mark.parametrize(
    ("step", "error", "kind", "code"),
    [
        ("send", smtplib.SMTPRecipientsRefused({TO: (550, b"no such user")}), "permanent", "550"),
        ("send", smtplib.SMTPRecipientsRefused({TO: (450, b"mailbox busy")}), "transient", "450"),
        ("send", smtplib.SMTPSenderRefused(451, b"try later", DEFAULT_FROM), "transient", "451"),
        ("send", smtplib.SMTPDataError(554, b"rejected as spam"), "permanent", "554"),
        ("send", smtplib.SMTPServerDisconnected("gone"), "transient", None),
        ("login", smtplib.SMTPAuthenticationError(535, b"bad credentials"), "permanent", "535"),
        ("login", smtplib.SMTPNotSupportedError("no AUTH"), "permanent", None),
        ("connect", ConnectionRefusedError(111, "Connection refused"), "transient", None),
        ("connect", TimeoutError("timed out"), "transient", None),
        ("connect", socket.gaierror(-2, "Name or service not known"), "transient", None),
        ("connect", smtplib.SMTPConnectError(421, b"too busy"), "transient", "421"),
    ],
)
def test_smtp_failures_map_to_transient_or_permanent(stub, step, error, kind, code):
    stub.fail_on, stub.error = step, error
    expected = PermanentSendError if kind == "permanent" else TransientSendError

    with pytest.raises(expected) as caught:
        SmtpMailer("smtps://u:p@mail.firm.test").send(TO, "s", "b")

    assert type(caught.value) is expected
    assert caught.value.code == code


@pytest.mark.parametrize("to", ["not an address", "jane@x.test\r\nBcc: all@x.test", ""])
def test_a_bad_address_is_permanent_and_nothing_connects(stub, to):
    with pytest.raises(PermanentSendError, match="not an email address"):
        SmtpMailer("smtp://mail.firm.test").send(to, "s", "b")

    assert stub.log == []


def test_a_subject_cannot_inject_headers(stub):
    SmtpMailer("smtp://mail.firm.test").send(TO, "Hello\r\nBcc: all@x.test", "b")

    [sent] = stub.sent
    assert sent["Subject"] == "Hello Bcc: all@x.test"
    assert sent["Bcc"] is None


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("http://mail.firm.test", "must start with smtp:// or smtps://"),
        ("smtp://", "names no host"),
        ("smtp://mail.firm.test:port", "port that is not a number"),
        ("smtp://mail.firm.test?from=nobody", "is not an email address"),
    ],
)
def test_bad_smtp_urls_are_explained(url, fragment):
    with pytest.raises(ValueError, match=fragment):
        parse_smtp_url(url)


def test_log_mailer_logs_the_mail(caplog):
    with caplog.at_level(logging.INFO, logger="scheduler.mail"):
        message_id = LogMailer().send(TO, "Request #1042 scheduled", "See you Tuesday.")

    assert message_id.startswith("<logged.") and message_id in caplog.text
    assert TO in caplog.text and "Request #1042 scheduled" in caplog.text
    assert "See you Tuesday." in caplog.text


def test_mailer_for_the_settings(settings: Settings):
    assert isinstance(mailer_for(settings), LogMailer)
    assert isinstance(mailer_for(settings.with_overrides(smtp_url="none")), LogMailer)
    smtp = mailer_for(settings.with_overrides(smtp_url="smtps://u:p@mail.firm.test"))
    assert isinstance(smtp, SmtpMailer) and smtp.target.port == 465
    with pytest.raises(ConfigError, match="smtp://"):
        mailer_for(settings.with_overrides(smtp_url="mail.firm.test"))


def test_the_scheduler_relays_through_the_configured_mailer(settings, database, clock):
    configured = settings.with_overrides(smtp_url="smtp://mail.firm.test:2525")

    scheduler = scheduler_for(configured, database, clock, background=True)

    mailer = scheduler.get_job("outbox-relay").args[-1]
    assert isinstance(mailer, SmtpMailer) and mailer.target.port == 2525


# --- one real SMTP conversation, stdlib only ------------------------------------------------


class _Session(socketserver.StreamRequestHandler):
    """Just enough SMTP: EHLO, MAIL, RCPT (nobody@ is refused with 550), DATA, QUIT."""

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self.reply("220 test ESMTP")
        while line := self.rfile.readline():
            verb = line.decode().strip().split(" ")[0].upper()
            if verb == "RCPT" and b"nobody@" in line:
                self.reply("550 5.1.1 no such user")
            elif verb == "DATA":
                self.reply("354 go ahead")
                data = b"".join(iter(self.rfile.readline, b".\r\n"))
                self.server.received.append(data)  # type: ignore[attr-defined]
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 test")


@pytest.fixture
def smtp_server() -> Iterator[socketserver.TCPServer]:
    """A local SMTP server on a free port, on a thread."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Session)
    server.received = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_a_real_smtp_conversation(smtp_server):
    port = smtp_server.server_address[1]
    mailer = SmtpMailer(f"smtp://127.0.0.1:{port}?from=intake@firm.test")

    message_id = mailer.send(TO, "Request #1042 scheduled", "See you Tuesday.")

    [raw] = smtp_server.received
    received = message_from_bytes(raw)
    assert received["To"] == TO and received["From"] == "intake@firm.test"
    assert received["Message-ID"] == message_id
    assert "See you Tuesday." in received.get_payload()

    with pytest.raises(PermanentSendError) as caught:
        mailer.send("nobody@bakery.test", "s", "b")
    assert caught.value.code == "550"
