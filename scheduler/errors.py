"""Domain errors of every outbound transport (Twilio, SMTP): retry later, or give up.

The relay only ever sees these, so it decides "retry or give up" without knowing which
library a transport is built on.
"""

from __future__ import annotations

from ticketing.error_codes import KNOWN_CODES


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

    def __init__(
        self, message: str, code: str | None = None, *, maybe_accepted: bool = False
    ) -> None:
        super().__init__(message, code)
        # The request reached the provider and the answer was lost: it may have been sent.
        self.maybe_accepted = maybe_accepted


class PermanentSendError(SendError):
    """Retrying cannot help: bad number or address, opted out, unverified sender, ..."""


class CallEndedError(PermanentSendError):
    """A live call to redirect has ended: the caller hung up before we could move them."""

    @property
    def explanation(self) -> str:
        """The code and what it means here, whatever Twilio's wording."""
        what = "the call has ended (the caller already hung up)"
        return f"{self.code}: {what}" if self.code else what
