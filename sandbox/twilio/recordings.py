"""The sandbox's recordings: Twilio's media URL of any recording the simulated callers left
answers with a short tone, so the demo's portal and console have a message to play.

The sandbox has no MP3 encoder: asked for `.mp3` (as the service asks) it answers with a
WAV and says so in Content-Type, which every browser's <audio> plays as well.
"""

from __future__ import annotations

import io
import math
import re
import wave
from array import array
from functools import cache

from flask import Blueprint, Response, request
from flask.typing import ResponseReturnValue

from sandbox.twilio.rest import authenticated, not_found

bp = Blueprint("sandbox_twilio_recordings", __name__, url_prefix="/sandbox/twilio")

RECORDING = "/2010-04-01/Accounts/<account_sid>/Recordings/<recording_sid>"
_SID = re.compile(r"RE[0-9a-f]{32}")
RATE = 8000  # Twilio's recordings are 8 kHz mono
# Three falling beeps (Hz, seconds), each followed by a short silence: about 2 s.
BEEPS = ((880.0, 0.35), (660.0, 0.35), (440.0, 0.6))
GAP = 0.15


@cache
def message_tone() -> bytes:
    """A WAV file of BEEPS: 16-bit mono PCM at RATE, faded in and out to avoid clicks."""
    samples = array("h")
    for pitch, seconds in BEEPS:
        count = int(RATE * seconds)
        fade = RATE // 100
        for n in range(count):
            envelope = min(1.0, n / fade, (count - n) / fade)
            samples.append(int(12000 * envelope * math.sin(2 * math.pi * pitch * n / RATE)))
        samples.extend([0] * int(RATE * GAP))
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(RATE)
        wav.writeframes(samples.tobytes())
    return out.getvalue()


def _media(recording_sid: str) -> ResponseReturnValue:
    if not _SID.fullmatch(recording_sid):
        return not_found()
    response = Response(message_tone(), content_type="audio/wav")
    # Browsers seek with Range requests, and Twilio's media storage honours them.
    return response.make_conditional(
        request, accept_ranges=True, complete_length=len(message_tone())
    )


@bp.get(RECORDING)
@authenticated
def recording(account_sid: str, recording_sid: str) -> ResponseReturnValue:
    """A recording's media without an extension (WAV on Twilio too)."""
    return _media(recording_sid)


@bp.get(RECORDING + ".<extension>")
@authenticated
def recording_file(account_sid: str, recording_sid: str, extension: str) -> ResponseReturnValue:
    """A recording's media as `.mp3` or `.wav` (both the tone, as WAV: see the module)."""
    if extension not in ("mp3", "wav"):
        return not_found()
    return _media(recording_sid)
