"""Domain errors of every outbound transport (Twilio, SMTP): retry later, or give up.

The relay only ever sees these, so it decides "retry or give up" without knowing which
library a transport is built on.
"""

from __future__ import annotations

# What a technician or the staff console should read next to a Twilio error code.
KNOWN_CODES: dict[str, str] = {
    "20003": "Twilio rejected our credentials",
    "20404": "no such resource on this account",
    "20429": "too many requests to Twilio",
    "21211": "invalid 'To' phone number",
    "21220": "the call is not in progress (the caller hung up)",
    "21402": "Twilio refused the URL",
    "21408": "sending to this region is not enabled on the account",
    "21610": "recipient has opted out (STOP)",
    "21614": "'To' number is not a mobile number",
    "30003": "handset unreachable",
    "30005": "unknown or inactive number",
    "30006": "landline or unreachable carrier",
    "30007": "message filtered by the carrier",
    "30032": "toll-free number is not verified",
    "30034": "sender is not a registered 10DLC number",
}


class SendError(Exception):
    """A message, call or email could not be handed to its provider."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code

    @property
    def explanation(self) -> str:
        """'CODE: what it means' for a known code, else the code and the raw message."""
        known = KNOWN_CODES.get(self.code or "")
        if known:
            return f"{self.code}: {known}"
        return f"{self.code}: {self}" if self.code else str(self)


class TransientSendError(SendError):
    """Worth retrying later: rate limits, provider outages, timeouts, network trouble."""


class PermanentSendError(SendError):
    """Retrying cannot help: bad number or address, opted out, unverified sender, ..."""


class CallEndedError(PermanentSendError):
    """A live call to redirect has ended: the caller hung up before we could move them."""

    @property
    def explanation(self) -> str:
        """The code and what it means here, whatever Twilio's wording."""
        what = "the call has ended (the caller already hung up)"
        return f"{self.code}: {what}" if self.code else what
