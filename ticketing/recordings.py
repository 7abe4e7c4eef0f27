"""A caller's recorded message as we serve it: which Twilio recording a ticket's stored
URL names, the path our own route plays it at, and the small interface the pages fetch
the audio through (the Twilio client behind it is wired in by the composition root).

The stored URL came in a webhook parameter, so it is never fetched as it is: only the
account and recording SIDs are taken from it, and only when it is exactly the address
Twilio gives a recording. The audio is then fetched from the configured Twilio API with
the account's credentials, and nobody is ever shown Twilio's address.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

TWILIO_API = "https://api.twilio.com"
# What Twilio posts as RecordingUrl; an extension (".mp3", ".wav") is allowed and dropped.
_RECORDING_URL = re.compile(
    re.escape(TWILIO_API)
    + r"/2010-04-01/Accounts/(?P<account>AC[0-9a-f]{32})/Recordings/(?P<recording>RE[0-9a-f]{32})"
    + r"(?:\.(?:mp3|wav))?"
)
# The audio types our route passes on; anything else is a proxy's page, not a recording.
AUDIO_TYPES = frozenset({"audio/mpeg", "audio/wav", "audio/x-wav", "audio/wave"})


@dataclass(frozen=True)
class RecordingRef:
    """One recording of one Twilio account, by its SIDs."""

    account_sid: str
    recording_sid: str

    @property
    def media_path(self) -> str:
        """Its MP3 under Twilio's API root (Twilio answers WAV without the extension)."""
        return f"/2010-04-01/Accounts/{self.account_sid}/Recordings/{self.recording_sid}.mp3"


def recording_ref(url: str | None) -> RecordingRef | None:
    """The recording a stored RecordingUrl names, or None for any other address."""
    found = _RECORDING_URL.fullmatch((url or "").strip())
    if found is None:
        return None
    return RecordingRef(found["account"], found["recording"])


def listen_path(ticket_number: int) -> str:
    """Where staff play a ticket's message in the console (the link in a technician's page)."""
    return f"/console/tickets/{ticket_number}/recording"


class RecordingError(Exception):
    """The audio of a recording could not be had; the message says why, for the log."""


class RecordingMissing(RecordingError):
    """The provider has no such recording (deleted, or never ours)."""


class RecordingUnavailable(RecordingError):
    """The provider refused or failed to hand over the audio."""


class RecordingTimeout(RecordingUnavailable):
    """The provider did not answer in time."""


@dataclass
class AudioStream:
    """The audio of one recording (or the byte range asked for), read in chunks."""

    status: int  # 200, 206 for a range, 416 for a range past the end
    content_type: str
    chunks: Iterator[bytes]
    # Content-Length, Content-Range and Accept-Ranges, as the provider gave them.
    headers: dict[str, str] = field(default_factory=dict)
    # Releases the provider's connection once the audio is sent (or the reader went away).
    close: Callable[[], None] | None = None


class RecordingSource(Protocol):
    """Where the pages get a recording's audio from (Twilio, the sandbox, a test fake)."""

    def fetch(self, ref: RecordingRef, *, byte_range: str | None = None) -> AudioStream:
        """The audio of `ref` (a `Range` header value asks for part of it); raises
        RecordingMissing, RecordingUnavailable or RecordingTimeout."""
        ...
