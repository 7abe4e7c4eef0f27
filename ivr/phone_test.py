"""The test voice page (`intake technicians test`): what the technician hears, as TwiML.

Pure: the webhook passes the firm's name and the URL the key goes to.
"""

from __future__ import annotations

from twilio.twiml.voice_response import VoiceResponse

KEY = "/twilio/voice/phone-test/{technician_id}/key"


def _say(target: VoiceResponse, text: str) -> None:
    target.say(text, language="en-US")


def test_page(firm_name: str, technician_id: int) -> VoiceResponse:
    """Say that this is a test and ask for 1, twice, then goodbye."""
    response = VoiceResponse()
    for lead in ("", "Again. "):
        gather = response.gather(
            action=KEY.format(technician_id=technician_id), method="POST", num_digits=1, timeout=6
        )
        _say(
            gather,
            f"{lead}This is a test page from {firm_name}. It is only a test: no emergency "
            "is waiting. Press 1 to confirm that your phone gets pages.",
        )
    _say(response, "No key was pressed: the test did not pass. Goodbye.")
    response.hangup()
    return response


def test_voicemail(firm_name: str) -> VoiceResponse:
    """A voicemail answered: the test cannot pass that way (a page would be missed too)."""
    response = VoiceResponse()
    _say(
        response,
        f"This is a test page from {firm_name}. Voicemail answered it, so it did not pass. "
        "Please answer the next test yourself.",
    )
    response.hangup()
    return response


def test_answered(passed: bool) -> VoiceResponse:
    """After the key: thanks, or why it did not count."""
    response = VoiceResponse()
    if passed:
        _say(response, "Thank you: your phone passed the test. Goodbye.")
    else:
        _say(response, "That did not confirm the test. Goodbye.")
    response.hangup()
    return response
