"""Outbound Twilio behind a small Protocol: the real client (the errors are in
scheduler/errors.py, re-exported here; the tests' recording fake is not production code).

Only domain exceptions (SendError and its two subclasses) leave this module, so the
relay decides "retry or give up" without knowing anything about twilio-python or
requests (the pattern of pypi/warehouse's email interfaces).
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from typing import Any, Protocol

import requests
from twilio.base.exceptions import TwilioException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from scheduler.errors import (
    KNOWN_CODES,
    CallEndedError,
    PermanentSendError,
    SendError,
    TransientSendError,
)

__all__ = [
    "KNOWN_CODES",
    "CallEndedError",
    "Messenger",
    "NumberSetupError",
    "PermanentSendError",
    "SendError",
    "TransientSendError",
    "TwilioAccount",
    "TwilioMessenger",
]

# Our clock and Twilio's disagree by a little; a text Twilio dated this much before the
# attempt began still counts as that attempt's.
CLOCK_SKEW = timedelta(seconds=5)
# Pages to one phone are paced a minute apart: a day holds far fewer texts than this.
FIND_LIMIT = 200

CALL_STATUS_EVENTS = ["initiated", "ringing", "answered", "completed"]
# Twilio's answers to a redirect of a call that has ended: the caller already hung up.
CALL_GONE = {"20404", "21220"}


class Messenger(Protocol):
    """What the relay needs from an SMS/voice provider."""

    def send_sms(self, to: str, body: str, *, status_callback: str | None = None) -> str:
        """Queue one SMS and return the provider's message SID."""
        ...

    def find_sent(self, to: str, body: str, since: datetime) -> str | None:
        """The SID of a text with this body sent to `to` since `since`, if the provider has one."""
        ...

    def place_call(
        self,
        to: str,
        url: str,
        *,
        status_callback: str | None = None,
        timeout: int = 30,
        machine_detection: bool = False,
    ) -> str:
        """Start one outbound call that fetches its TwiML from `url`; return the call SID."""
        ...

    def redirect_call(self, call_sid: str, url: str) -> str:
        """Move a live call to the TwiML at `url` (POST); return the call SID."""
        ...


def _twilio_error(exc: TwilioException) -> SendError:
    """Map a twilio-python exception to a domain one by HTTP status and Twilio code."""
    status = getattr(exc, "status", None)
    raw_code = getattr(exc, "code", None)
    code = str(raw_code) if raw_code is not None else None
    message = str(getattr(exc, "msg", None) or getattr(exc, "title", None) or exc)
    # 20429/429 were never processed, 408 and 5xx are Twilio's trouble: all safe to retry.
    if code == "20429" or status in (408, 429) or status is None or status >= 500:
        return TransientSendError(f"HTTP {status}: {message}", code)
    return PermanentSendError(f"HTTP {status}: {message}", code)


def _network_error(exc: requests.exceptions.RequestException) -> SendError:
    # A timeout may hide a message Twilio did accept; for a page, a duplicate beats none,
    # but the relay looks for it at Twilio before sending again. Only a request that never
    # left (no connection made) is known not to have been accepted.
    never_left = isinstance(exc, requests.exceptions.ConnectTimeout) or (
        "NewConnectionError" in repr(exc) or "NameResolutionError" in repr(exc)
    )
    return TransientSendError(f"{type(exc).__name__}: {exc}", maybe_accepted=not never_left)


class NumberSetupError(Exception):
    """A phone number could not be found or changed on the Twilio account."""

    def __init__(self, message: str, code: str | None = None, *, unreachable: bool = False) -> None:
        super().__init__(message)
        self.code = code
        # No answer at all (as opposed to Twilio saying no): wrong URL, or nothing running.
        self.unreachable = unreachable


# What configure_number reports, as Twilio stored it.
NUMBER_FIELDS = (
    "sid",
    "phone_number",
    "voice_url",
    "voice_method",
    "status_callback",
    "status_callback_method",
    "voice_fallback_url",
    "sms_url",
    "sms_method",
)


class TwilioAccount:
    """A twilio-python client on one account, pointed at Twilio's API (or the sandbox)."""

    def __init__(
        self, account_sid: str, auth_token: str, api_base_url: str, *, timeout: float = 10.0
    ) -> None:
        self.account_sid = account_sid
        self.client = Client(account_sid, auth_token, http_client=TwilioHttpClient(timeout=timeout))
        # twilio-python has no host setting; this is the one seam (sandbox, tests).
        self.client.api.base_url = api_base_url.rstrip("/")

    def configure_number(
        self,
        phone_number: str,
        *,
        voice_url: str | None,
        status_callback: str | None,
        sms_url: str | None,
        fallback_url: str | None = None,
    ) -> dict[str, str | None]:
        """Point the number's webhooks (all POST) at these URLs; None leaves one as it was."""
        # PhoneNumber filters on a part of the number: keep only the exact one.
        listed = self._setup_call(
            self.client.incoming_phone_numbers.list, phone_number=phone_number
        )
        found = [n for n in listed if n.phone_number == phone_number]
        if not found:
            raise NumberSetupError(f"{phone_number} is not a number of account {self.account_sid}")
        changes = _webhook_changes(
            voice_url=voice_url,
            status_callback=status_callback,
            sms_url=sms_url,
            voice_fallback_url=fallback_url,
        )
        updated = self._setup_call(found[0].update, **changes)
        return {field: getattr(updated, field, None) for field in NUMBER_FIELDS}

    def _setup_call(self, method: Any, **kwargs: Any) -> Any:
        """Run one twilio-python call; every failure becomes a NumberSetupError."""
        try:
            return method(**kwargs)
        except TwilioException as exc:
            status, code, message = _error_details(exc)
            hint = f" ({KNOWN_CODES[code]})" if code in KNOWN_CODES else ""
            label = f"Twilio error {code}" if code else "Twilio error"
            raise NumberSetupError(f"{label} (HTTP {status}): {message}{hint}", code) from exc
        except requests.exceptions.RequestException as exc:
            # urllib3's own text is a paragraph; the kind of failure is what helps.
            where = self.client.api.base_url
            raise NumberSetupError(
                f"cannot reach {where} ({type(exc).__name__})", unreachable=True
            ) from exc
        except ValueError as exc:
            raise NumberSetupError(f"unreadable answer from Twilio: {exc}") from exc


def _error_details(exc: TwilioException) -> tuple[int | None, str | None, str]:
    """(HTTP status, Twilio code, Twilio's message) of a failed number call."""
    # A list() that fails raises a bare TwilioException("Unable to fetch page", response):
    # the code and message are only in the response body.
    response = exc.args[1] if len(exc.args) > 1 else None
    if response is not None and hasattr(response, "status_code"):
        try:
            body = json.loads(response.text)
        except ValueError:
            body = {}
        code = body.get("code")
        return response.status_code, str(code) if code else None, str(body.get("message", ""))
    code = getattr(exc, "code", None)
    message = str(getattr(exc, "msg", None) or getattr(exc, "detail", None) or exc)
    # twilio-python prefixes Twilio's message with its own ("Unable to update record: ").
    message = re.sub(r"^Unable to \w+ record: ", "", message)
    return getattr(exc, "status", None), str(code) if code else None, message


def _webhook_changes(**urls: str | None) -> dict[str, str]:
    """update() arguments: each URL given, with POST as its method."""
    # POST is Twilio's default too, but a number once edited in the console may say GET,
    # which our webhooks answer with 405.
    changes: dict[str, str] = {}
    for name, url in urls.items():
        if url is not None:
            changes[name] = url
            changes[name.removesuffix("_url") + "_method"] = "POST"
    return changes


class TwilioMessenger(TwilioAccount):
    """Sends SMS and places calls through Twilio's REST API (or the local sandbox)."""

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        api_base_url: str,
        *,
        sms_from: str | None = None,
        messaging_service_sid: str | None = None,
        call_from: str | None = None,
        timeout: float = 10.0,
        validity_period: int = 600,
    ) -> None:
        if not (sms_from or messaging_service_sid):
            raise ValueError("TwilioMessenger needs sms_from or messaging_service_sid")
        super().__init__(account_sid, auth_token, api_base_url, timeout=timeout)
        self.sms_from = sms_from
        self.messaging_service_sid = messaging_service_sid
        self.call_from = call_from or sms_from
        self.validity_period = validity_period

    def send_sms(self, to: str, body: str, *, status_callback: str | None = None) -> str:
        """Queue one SMS; a Messaging Service wins over a From number when both are set."""
        sender: dict[str, Any] = (
            {"messaging_service_sid": self.messaging_service_sid}
            if self.messaging_service_sid
            else {"from_": self.sms_from}
        )
        message = self._call(
            self.client.messages.create,
            to=to,
            body=body,
            status_callback=status_callback,
            validity_period=self.validity_period,
            **sender,
        )
        return str(message.sid)

    def find_sent(self, to: str, body: str, since: datetime) -> str | None:
        """Look a text up in Twilio's Messages list (DateSent on or after the attempt's day)."""
        # DateSent filters by day only; the body and Twilio's date_created narrow it down.
        # A text still queued has no DateSent and is not listed: the caller sends again.
        listed = self._call(
            self.client.messages.list,
            to=to,
            date_sent_after=since.strftime("%Y-%m-%d"),
            limit=FIND_LIMIT,
        )
        for message in listed:
            created = message.date_created
            if (
                message.body == body
                and str(message.direction or "").startswith("outbound")
                and (created is None or created >= since - CLOCK_SKEW)
            ):
                return str(message.sid)
        return None

    def place_call(
        self,
        to: str,
        url: str,
        *,
        status_callback: str | None = None,
        timeout: int = 30,
        machine_detection: bool = False,
    ) -> str:
        """Start one outbound call whose TwiML is fetched from `url`."""
        if not self.call_from:
            raise PermanentSendError("no caller ID configured for voice pages")
        extra: dict[str, Any] = {}
        if status_callback:
            extra["status_callback"] = status_callback
            extra["status_callback_event"] = CALL_STATUS_EVENTS
        if machine_detection:
            extra["machine_detection"] = "Enable"
        call = self._call(
            self.client.calls.create, to=to, from_=self.call_from, url=url, timeout=timeout, **extra
        )
        return str(call.sid)

    def redirect_call(self, call_sid: str, url: str) -> str:
        """Point a live call at new TwiML (POST to `url`); an ended call is a CallEndedError."""
        try:
            call = self._call(self.client.calls(call_sid).update, url=url, method="POST")
        except PermanentSendError as exc:
            # 21220 (not in progress) or 404 (no such call any more): nothing to move.
            if exc.code in CALL_GONE or str(exc).startswith("HTTP 404"):
                raise CallEndedError(str(exc), exc.code) from exc
            raise
        return str(call.sid)

    @staticmethod
    def _call(create: Any, **kwargs: Any) -> Any:
        """Run one twilio-python create() or update(); every failure becomes a SendError."""
        try:
            return create(**kwargs)
        except TwilioException as exc:
            raise _twilio_error(exc) from exc
        except requests.exceptions.RequestException as exc:
            raise _network_error(exc) from exc
        except ValueError as exc:
            # An unparseable 2xx body (a proxy's HTML page): Twilio's state is unknown.
            raise TransientSendError(f"unreadable answer from Twilio: {exc}") from exc
