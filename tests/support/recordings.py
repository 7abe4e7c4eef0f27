"""Callers' recorded messages: Twilio-shaped recording URLs, and a recording source that
hands over fixed audio (or fails as told) instead of fetching from Twilio."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Flask

from intake.config import SANDBOX_ACCOUNT_SID
from ticketing.recordings import AudioStream, RecordingError, RecordingRef

RECORDING_SID = "RE" + "0123456789abcdef" * 2
AUDIO = b"ID3\x04" + bytes(range(256)) * 4


def twilio_recording_url(sid: str = RECORDING_SID, account: str = SANDBOX_ACCOUNT_SID) -> str:
    """The RecordingUrl Twilio posts for recording `sid` of `account`."""
    return f"https://api.twilio.com/2010-04-01/Accounts/{account}/Recordings/{sid}"


@dataclass
class FakeRecordings:
    """A RecordingSource serving AUDIO as MP3 for every recording, or raising `failure`."""

    audio: bytes = AUDIO
    failure: RecordingError | None = None
    fetched: list[tuple[RecordingRef, str | None]] = field(default_factory=list)

    def fetch(self, ref: RecordingRef, *, byte_range: str | None = None) -> AudioStream:
        """The whole of `audio` (ranges are the real client's business), or the failure."""
        self.fetched.append((ref, byte_range))
        if self.failure is not None:
            raise self.failure
        return AudioStream(
            status=200,
            content_type="audio/mpeg",
            chunks=iter([self.audio]),
            headers={"Content-Length": str(len(self.audio))},
        )


def fake_recordings(app: Flask, **options: object) -> FakeRecordings:
    """Install a FakeRecordings as the app's recording source and return it."""
    fake = FakeRecordings(**options)  # type: ignore[arg-type]
    app.extensions["recordings"] = fake
    return fake
