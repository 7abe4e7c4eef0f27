"""An in-memory transport for tests: it records every send and fails on request."""

from __future__ import annotations

import secrets
from collections import deque
from datetime import datetime
from typing import Any


def fake_sid(prefix: str) -> str:
    """A SID shaped like Twilio's: two letters and 32 hex digits."""
    return prefix + secrets.token_hex(16)


class RecordingMessenger:
    """An in-memory Messenger for tests: records every send, fails on request."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self._failures: deque[Exception] = deque()
        # Texts the provider has although no send returned their SID (a lost answer).
        self.accepted: list[dict[str, Any]] = []
        self.lookups: list[dict[str, Any]] = []

    def fail_next(self, error: Exception, times: int = 1) -> None:
        """Raise `error` on each of the next `times` sends (SMS, call or redirect)."""
        self._failures.extend([error] * times)

    def find_sent(self, to: str, body: str, since: datetime) -> str | None:
        """The SID of a text to `to` with `body`, sent or accepted since `since`, if any."""
        self.lookups.append({"to": to, "body": body, "since": since})
        for item in self.accepted + self.sms:
            at = item.get("at")
            if item["to"] == to and item["body"] == body and (at is None or at >= since):
                return str(item["sid"])
        return None

    @property
    def sms(self) -> list[dict[str, Any]]:
        """The SMS sent so far, oldest first."""
        return [item for item in self.sent if item["kind"] == "sms"]

    @property
    def calls(self) -> list[dict[str, Any]]:
        """The calls placed so far, oldest first."""
        return [item for item in self.sent if item["kind"] == "call"]

    @property
    def redirects(self) -> list[dict[str, Any]]:
        """The live calls redirected so far, oldest first."""
        return [item for item in self.sent if item["kind"] == "redirect"]

    def send_sms(self, to: str, body: str, *, status_callback: str | None = None) -> str:
        """Record one SMS and return a fake SM... SID."""
        return self._record("sms", "SM", to=to, body=body, status_callback=status_callback)

    def place_call(
        self,
        to: str,
        url: str,
        *,
        status_callback: str | None = None,
        timeout: int = 30,
        machine_detection: bool = False,
    ) -> str:
        """Record one call and return a fake CA... SID."""
        return self._record(
            "call",
            "CA",
            to=to,
            url=url,
            status_callback=status_callback,
            timeout=timeout,
            machine_detection=machine_detection,
        )

    def redirect_call(self, call_sid: str, url: str) -> str:
        """Record one redirect and return the call's own SID, as Twilio does."""
        if self._failures:
            raise self._failures.popleft()
        self.sent.append({"kind": "redirect", "sid": call_sid, "call_sid": call_sid, "url": url})
        return call_sid

    def _record(self, kind: str, prefix: str, **fields: Any) -> str:
        if self._failures:
            raise self._failures.popleft()
        sid = fake_sid(prefix)
        self.sent.append({"kind": kind, "sid": sid, **fields})
        return sid


class RecordingMailer:
    """An in-memory Mailer for tests: records every email, fails on request."""

    def __init__(self) -> None:
        self.sent: list[dict[str, str]] = []
        self._failures: deque[Exception] = deque()

    def fail_next(self, error: Exception, times: int = 1) -> None:
        """Raise `error` on each of the next `times` sends."""
        self._failures.extend([error] * times)

    def send(self, to: str, subject: str, body: str) -> str:
        """Record one email and return a fake Message-ID."""
        if self._failures:
            raise self._failures.popleft()
        message_id = f"<{secrets.token_hex(8)}@recording.test>"
        self.sent.append({"to": to, "subject": subject, "body": body, "id": message_id})
        return message_id
