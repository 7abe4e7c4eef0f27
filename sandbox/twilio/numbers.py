"""The sandbox's own phone numbers (Twilio's IncomingPhoneNumbers) and their webhook URLs.

`intake twilio configure-number --demo` finds and updates these exactly as it would on a
real account, so the command is tried against the same REST calls.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import urlsplit

API_VERSION = "2010-04-01"
# The support line (toll-free) and the local number that sends pages.
SANDBOX_NUMBERS = ("+18888991911", "+13368991911")

# Form field → attribute, for every webhook setting a number update may change.
URL_FIELDS = {
    "VoiceUrl": "voice_url",
    "VoiceFallbackUrl": "voice_fallback_url",
    "StatusCallback": "status_callback",
    "SmsUrl": "sms_url",
    "SmsFallbackUrl": "sms_fallback_url",
}
METHOD_FIELDS = {
    "VoiceMethod": "voice_method",
    "VoiceFallbackMethod": "voice_fallback_method",
    "StatusCallbackMethod": "status_callback_method",
    "SmsMethod": "sms_method",
    "SmsFallbackMethod": "sms_fallback_method",
}


def number_sid(phone_number: str) -> str:
    """A stable PN... SID for a sandbox number (the same on every run of the demo)."""
    return "PN" + hashlib.sha256(phone_number.encode()).hexdigest()[:32]


def _friendly(phone_number: str) -> str:
    digits = phone_number.removeprefix("+1")
    if len(digits) != 10:
        return phone_number
    return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"


@dataclass
class SandboxNumber:
    """One phone number on the sandbox account, with its webhook settings."""

    account_sid: str
    phone_number: str
    date_created: datetime = field(default_factory=lambda: datetime.now(UTC))
    date_updated: datetime = field(default_factory=lambda: datetime.now(UTC))
    # Twilio renders a URL that was never set as "".
    voice_url: str = ""
    voice_method: str = "POST"
    voice_fallback_url: str = ""
    voice_fallback_method: str = "POST"
    status_callback: str = ""
    status_callback_method: str = "POST"
    sms_url: str = ""
    sms_method: str = "POST"
    sms_fallback_url: str = ""
    sms_fallback_method: str = "POST"

    @property
    def sid(self) -> str:
        """The number's PN... SID."""
        return number_sid(self.phone_number)

    @property
    def uri(self) -> str:
        """The resource path Twilio reports for this number."""
        return f"/{API_VERSION}/Accounts/{self.account_sid}/IncomingPhoneNumbers/{self.sid}.json"

    def to_json(self) -> dict[str, object]:
        """The number as Twilio's REST API renders it."""
        settings = (*URL_FIELDS.values(), *METHOD_FIELDS.values())
        webhooks = {attr: getattr(self, attr) for attr in settings}
        return {
            "sid": self.sid,
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "phone_number": self.phone_number,
            "friendly_name": _friendly(self.phone_number),
            "capabilities": {"voice": True, "sms": True, "mms": False, "fax": False},
            "status": "in-use",
            "origin": "twilio",
            "beta": False,
            "address_requirements": "none",
            "voice_receive_mode": "voice",
            "voice_caller_id_lookup": False,
            "voice_application_sid": None,
            "sms_application_sid": None,
            "trunk_sid": None,
            "date_created": format_datetime(self.date_created),
            "date_updated": format_datetime(self.date_updated),
            "uri": self.uri,
            **webhooks,
        }


def matches(pattern: str, phone_number: str) -> bool:
    """Twilio's PhoneNumber filter: any part of the number, `*` standing for any digit."""
    digits = re.sub(r"[^\d*]", "", pattern)
    regex = "".join(r"\d" if ch == "*" else ch for ch in digits)
    return re.search(regex, phone_number) is not None


def bad_url(value: str) -> bool:
    """Whether a webhook URL is one Twilio would refuse ("" clears a setting and is fine)."""
    if not value:
        return False
    parts = urlsplit(value)
    return parts.scheme not in ("http", "https") or not parts.hostname


class NumberBook:
    """The account's numbers; safe to use from several request threads."""

    def __init__(self, account_sid: str, phone_numbers: Iterable[str] = SANDBOX_NUMBERS) -> None:
        self._numbers = {
            number_sid(n): SandboxNumber(account_sid, n) for n in dict.fromkeys(phone_numbers) if n
        }
        self._lock = threading.Lock()

    def find(self, pattern: str = "") -> list[SandboxNumber]:
        """The numbers matching Twilio's PhoneNumber filter (all of them for "")."""
        with self._lock:
            return [n for n in self._numbers.values() if matches(pattern, n.phone_number)]

    def get(self, sid: str) -> SandboxNumber | None:
        """The number with this SID, if the account has it."""
        with self._lock:
            return self._numbers.get(sid)

    def update(self, number: SandboxNumber, changes: dict[str, str], now: datetime) -> None:
        """Store new webhook settings (attribute → value) on `number`."""
        with self._lock:
            for attr, value in changes.items():
                setattr(number, attr, value)
            number.date_updated = now
