"""TwilioRecordings against Twilio's API faked with `responses`: the media URL it builds,
credentials that never follow a redirect off the API host, and what reaches the caller."""

from __future__ import annotations

import pytest
import responses

from scheduler.recordings import TwilioRecordings
from tests.support.recordings import AUDIO, RECORDING_SID
from ticketing.recordings import RecordingMissing, RecordingRef, RecordingUnavailable

ACCOUNT = "AC" + "0123456789abcdef" * 2
API = "https://fake-twilio.test"
MEDIA = f"{API}/2010-04-01/Accounts/{ACCOUNT}/Recordings/{RECORDING_SID}.mp3"
STORAGE = "https://media-storage.test/abc/recording.mp3"


@pytest.fixture
def recordings() -> TwilioRecordings:
    """A client of the fake API, as the account."""
    return TwilioRecordings(ACCOUNT, "test-auth-token", API + "/")


def test_the_audio_comes_from_storage_and_the_credentials_stay_with_the_api(
    api, recordings
) -> None:
    api.get(MEDIA, status=302, headers={"Location": STORAGE})
    api.get(STORAGE, body=AUDIO, content_type="audio/mpeg")

    audio = recordings.fetch(RecordingRef(ACCOUNT, RECORDING_SID))

    assert (audio.status, audio.content_type) == (200, "audio/mpeg")
    assert b"".join(audio.chunks) == AUDIO
    assert api.calls[0].request.headers["Authorization"].startswith("Basic ")
    assert "Authorization" not in api.calls[1].request.headers


def test_a_redirect_loop_is_a_failure_not_a_hang(api, recordings) -> None:
    api.get(MEDIA, status=302, headers={"Location": MEDIA})
    with pytest.raises(RecordingUnavailable):
        recordings.fetch(RecordingRef(ACCOUNT, RECORDING_SID))


def test_another_accounts_recording_is_never_asked_for(recordings) -> None:
    with responses.RequestsMock() as untouched, pytest.raises(RecordingMissing):
        recordings.fetch(RecordingRef("AC" + "f" * 32, RECORDING_SID))
    assert len(untouched.calls) == 0
