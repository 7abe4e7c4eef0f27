"""Recordings fetched from Twilio's API (or the sandbox, which speaks it) with the account's
credentials, streamed to whoever plays them: the `RecordingSource` of ticketing/recordings.py.

Only ticketing's errors leave this module, as with the Messenger in transport.py.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import requests

from ticketing.recordings import (
    AUDIO_TYPES,
    AudioStream,
    RecordingMissing,
    RecordingRef,
    RecordingTimeout,
    RecordingUnavailable,
)

log = logging.getLogger(__name__)

CHUNK = 64 * 1024
# Seconds to connect, then between two chunks: a player waits for the first bytes, and a
# stalled provider must not hold a web worker.
TIMEOUT = (5.0, 15.0)
# Twilio answers a media URL with a redirect to its storage; one or two is normal.
MAX_REDIRECTS = 3
PASSED_ON = ("Content-Length", "Content-Range", "Accept-Ranges")


class TwilioRecordings:
    """Fetch a recording's MP3 from `api_base_url` with HTTP Basic auth as the account."""

    def __init__(self, account_sid: str, auth_token: str, api_base_url: str) -> None:
        self.account_sid = account_sid
        self.api_base_url = api_base_url.rstrip("/")
        self.http = requests.Session()
        # requests drops the Authorization header when a redirect leaves the host, so the
        # credentials go to the API host only, never to the storage Twilio redirects to.
        self.http.auth = (account_sid, auth_token)
        self.http.max_redirects = MAX_REDIRECTS

    def fetch(self, ref: RecordingRef, *, byte_range: str | None = None) -> AudioStream:
        """The recording's audio, streamed; a Range header value is passed on."""
        if ref.account_sid != self.account_sid:
            # Our credentials open only our account's recordings: another's is not ours.
            raise RecordingMissing(f"{ref.recording_sid} belongs to another account")
        headers = {"Range": byte_range} if byte_range else {}
        url = self.api_base_url + ref.media_path
        try:
            answer = self.http.get(url, headers=headers, stream=True, timeout=TIMEOUT)
        except requests.exceptions.Timeout as exc:
            raise RecordingTimeout(f"no answer from {self.api_base_url} in time") from exc
        except requests.exceptions.RequestException as exc:
            raise RecordingUnavailable(
                f"cannot reach {self.api_base_url} ({type(exc).__name__})"
            ) from exc
        return _stream(answer, ref)


def _stream(answer: requests.Response, ref: RecordingRef) -> AudioStream:
    """Twilio's answer as an AudioStream, or the error it amounts to."""
    status = answer.status_code
    content_type = answer.headers.get("Content-Type", "").split(";")[0].strip().lower()
    problem: Exception | None = None
    if status == 404:
        problem = RecordingMissing(f"{ref.recording_sid}: Twilio has no such recording")
    elif status not in (200, 206, 416):
        problem = RecordingUnavailable(f"{ref.recording_sid}: Twilio answered HTTP {status}")
    elif status != 416 and content_type not in AUDIO_TYPES:
        problem = RecordingUnavailable(f"{ref.recording_sid}: not audio ({content_type!r})")
    if problem is not None:
        answer.close()
        raise problem
    return AudioStream(
        status=status,
        content_type=content_type or "audio/mpeg",
        chunks=_chunks(answer),
        headers={name: answer.headers[name] for name in PASSED_ON if name in answer.headers},
        close=answer.close,
    )


def _chunks(answer: requests.Response) -> Iterator[bytes]:
    try:
        yield from answer.iter_content(CHUNK)
    except requests.exceptions.RequestException as exc:
        # The headers are sent by now: the player sees a short file, the log says why.
        log.warning("recording stream cut short: %s", type(exc).__name__)
    finally:
        answer.close()
