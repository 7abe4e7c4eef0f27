"""What the sandbox "sent" (messages, calls), kept in memory, the status callbacks Twilio
would post about the messages, and the account's phone numbers."""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime

import click
import requests
from twilio.request_validator import RequestValidator

from sandbox.twilio.numbers import SANDBOX_NUMBERS, NumberBook
from ticketing.sms_text import segments

log = logging.getLogger(__name__)

API_VERSION = "2010-04-01"

# Posts a form and returns the HTTP status; replaced in tests to capture callbacks.
Transport = Callable[[str, dict[str, str], dict[str, str]], int]


def new_sid(prefix: str) -> str:
    """A Twilio-shaped SID: two letters and 32 hex digits."""
    return prefix + secrets.token_hex(16)


def post_form(url: str, params: dict[str, str], headers: dict[str, str]) -> int:
    """POST a form with requests and return the HTTP status (the default transport)."""
    response = requests.post(url, data=params, headers=headers, timeout=15)
    return response.status_code


def _rfc2822(moment: datetime) -> str:
    return format_datetime(moment)


@dataclass
class SandboxMessage:
    """One SMS accepted by the sandbox's Messages endpoint."""

    sid: str
    account_sid: str
    to: str
    from_: str | None
    messaging_service_sid: str | None
    body: str
    date_created: datetime
    status_callback: str | None = None
    validity_period: int | None = None
    status: str = "queued"
    index: int = 0

    @property
    def uri(self) -> str:
        """The resource path Twilio reports for this message."""
        return f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{self.sid}.json"

    def to_json(self) -> dict[str, object]:
        """The message as Twilio's REST API renders it."""
        return {
            "sid": self.sid,
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "to": self.to,
            "from": self.from_,
            "messaging_service_sid": self.messaging_service_sid,
            "body": self.body,
            "status": self.status,
            "direction": "outbound-api",
            "num_segments": str(segments(self.body)),
            "num_media": "0",
            "date_created": _rfc2822(self.date_created),
            "date_updated": _rfc2822(self.date_created),
            "date_sent": None,
            "error_code": None,
            "error_message": None,
            "price": None,
            "price_unit": "USD",
            "uri": self.uri,
            "subresource_uris": {"media": self.uri.replace(".json", "/Media.json")},
            "index": self.index,
            "status_callback": self.status_callback,
            "validity_period": self.validity_period,
        }

    def status_params(self, status: str) -> dict[str, str]:
        """The form Twilio posts to the StatusCallback when the message reaches `status`."""
        params = {
            "MessageSid": self.sid,
            "SmsSid": self.sid,
            "MessageStatus": status,
            "SmsStatus": status,
            "AccountSid": self.account_sid,
            "To": self.to,
            "ApiVersion": API_VERSION,
        }
        if self.from_:
            params["From"] = self.from_
        if self.messaging_service_sid:
            params["MessagingServiceSid"] = self.messaging_service_sid
        return params


@dataclass
class CallRedirect:
    """A change the service asked for on a live call (new TwiML, or hang up)."""

    url: str | None
    twiml: str | None
    status: str | None
    at: datetime


@dataclass
class SandboxCall:
    """One call the sandbox knows: placed through its Calls endpoint, rung by a simulated
    <Dial>, or a simulated caller's (the phone simulator plays their TwiML)."""

    sid: str
    account_sid: str
    to: str
    from_: str
    url: str | None
    twiml: str | None
    date_created: datetime
    status_callback: str | None = None
    timeout: int | None = None
    machine_detection: str | None = None
    status: str = "queued"
    redirects: list[CallRedirect] = field(default_factory=list)
    # outbound-api (the Calls endpoint), outbound-dial (a <Dial> rang it), inbound.
    direction: str = "outbound-api"
    parent_call_sid: str | None = None
    # The StatusCallbackEvent values asked for (Twilio posts only `completed` without).
    status_events: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        """The call as Twilio's REST API renders it (plus what the sandbox stored)."""
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Calls/{self.sid}.json"
        return {
            "sid": self.sid,
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "to": self.to,
            "from": self.from_,
            "status": self.status,
            "direction": self.direction,
            "parent_call_sid": self.parent_call_sid,
            "date_created": _rfc2822(self.date_created),
            "date_updated": _rfc2822(self.date_created),
            "start_time": None,
            "end_time": None,
            "duration": None,
            "price": None,
            "answered_by": None,
            "uri": uri,
            "url": self.url,
            "twiml": self.twiml,
            "status_callback": self.status_callback,
            "timeout": self.timeout,
            "machine_detection": self.machine_detection,
            "redirects": [
                {"url": r.url, "twiml": r.twiml, "status": r.status} for r in self.redirects
            ],
        }


@dataclass(frozen=True)
class CallbackAttempt:
    """One status callback the sandbox posted (or failed to post)."""

    url: str
    params: dict[str, str]
    status_code: int | None
    error: str | None = None


class SandboxStore:
    """The sandbox's messages, calls and numbers; safe to use from request and callback threads."""

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        deliver_callbacks: bool = True,
        callback_delay: float = 1.0,
        transport: Transport = post_form,
        phone_numbers: Iterable[str] = SANDBOX_NUMBERS,
        callback_base: str | None = None,
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.numbers = NumberBook(account_sid, phone_numbers)
        # Tests switch delivery off, make it instant, or capture it with a fake transport.
        self.deliver_callbacks = deliver_callbacks
        # A pause before each status: the sender must have stored the SID before the
        # callback about it arrives, as with real Twilio.
        self.callback_delay = callback_delay
        self.transport = transport
        # The demo's API credentials are public: without this, anyone could make the
        # sandbox post to any address it can reach. Callbacks go only to this origin.
        self.callback_base = callback_base.rstrip("/") + "/" if callback_base else None
        self.callbacks: list[CallbackAttempt] = []
        self._messages: list[SandboxMessage] = []
        self._calls: dict[str, SandboxCall] = {}
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def add_message(self, message: SandboxMessage) -> SandboxMessage:
        """Keep `message`, numbering it in the order of arrival."""
        with self._lock:
            message.index = len(self._messages)
            self._messages.append(message)
        return message

    def messages(self, since: int = 0) -> list[SandboxMessage]:
        """Messages from index `since` on, oldest first."""
        with self._lock:
            return list(self._messages[since:])

    def message(self, sid: str) -> SandboxMessage | None:
        """The message with this SID, if the sandbox has it."""
        with self._lock:
            return next((m for m in self._messages if m.sid == sid), None)

    def add_call(self, call: SandboxCall) -> SandboxCall:
        """Keep `call`."""
        with self._lock:
            self._calls[call.sid] = call
        return call

    def calls(self) -> list[SandboxCall]:
        """Every call, oldest first."""
        with self._lock:
            return list(self._calls.values())

    def call(self, sid: str) -> SandboxCall | None:
        """The call with this SID, if the sandbox has it."""
        with self._lock:
            return self._calls.get(sid)

    def set_call_status(self, call: SandboxCall, status: str) -> None:
        """Move a call on (ringing, in-progress, completed, no-answer, canceled)."""
        with self._lock:
            call.status = status

    def redirect_call(self, call: SandboxCall, redirect: CallRedirect) -> None:
        """Record a redirect (or hang-up) of a live call."""
        with self._lock:
            call.redirects.append(redirect)
            if redirect.status in ("completed", "canceled"):
                call.status = redirect.status

    def start_delivery(self, message: SandboxMessage) -> threading.Thread | None:
        """Move `message` to sent, then delivered, in a background thread; None when off."""
        if not self.deliver_callbacks:
            return None
        thread = threading.Thread(
            target=self._deliver, args=(message,), name=f"sandbox-{message.sid}", daemon=True
        )
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()]
            self._threads.append(thread)
        thread.start()
        return thread

    def join(self, timeout: float = 5.0) -> None:
        """Wait for callbacks in flight (tests, shutdown)."""
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(timeout)

    def _deliver(self, message: SandboxMessage) -> None:
        for status in ("sent", "delivered"):
            time.sleep(self.callback_delay)
            with self._lock:
                message.status = status
            if message.status_callback:
                self._post_status(message.status_callback, message.status_params(status))

    def _post_status(self, url: str, params: dict[str, str]) -> None:
        if self.callback_base is not None and not url.startswith(self.callback_base):
            error = f"refused: not on this service ({self.callback_base})"
            with self._lock:
                self.callbacks.append(CallbackAttempt(url, params, None, error))
            log.warning("sandbox status callback to %s %s", url, error)
            return
        signature = RequestValidator(self.auth_token).compute_signature(url, params)
        headers = {"X-Twilio-Signature": signature, "User-Agent": "TwilioProxy/1.1"}
        try:
            code: int | None = self.transport(url, params, headers)
            error = None if code is not None and code < 400 else f"answered HTTP {code}"
        except Exception as exc:  # a failed callback must never kill the sandbox
            code, error = None, f"{type(exc).__name__}: {exc}"
        with self._lock:
            self.callbacks.append(CallbackAttempt(url, params, code, error))
        if error:
            log.warning("sandbox status callback to %s failed: %s", url, error)
            click.echo(f"[sandbox] status callback to {url} failed: {error}", err=True)
