"""TwilioMessenger.redirect_call against Twilio's REST API, faked with `responses`: an
ended call (21220, 404) is a permanent CallEndedError, an outage a transient error."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest

from scheduler.errors import CallEndedError
from scheduler.transport import PermanentSendError, TransientSendError, TwilioMessenger

BASE = "https://intake.example.com"
CALL_SID = "CA" + "d" * 32
REDIRECT_PATH = "/twilio/voice/redirected/1042"
ACCOUNT = "AC" + "0123456789abcdef" * 2
API = "http://fake-twilio.test"
CALL_URL = f"{API}/2010-04-01/Accounts/{ACCOUNT}/Calls/{CALL_SID}.json"


@pytest.fixture
def rest_messenger() -> TwilioMessenger:
    """A messenger on the fake API."""
    return TwilioMessenger(ACCOUNT, "token", API, sms_from="+13368991911")


def test_redirect_call_posts_the_url_to_the_call(api, rest_messenger):
    api.post(CALL_URL, json={"sid": CALL_SID, "status": "in-progress"}, status=200)

    assert rest_messenger.redirect_call(CALL_SID, BASE + REDIRECT_PATH) == CALL_SID

    body = api.calls[0].request.body
    fields = parse_qs(body if isinstance(body, str) else body.decode())
    assert fields == {"Url": [BASE + REDIRECT_PATH], "Method": ["POST"]}


@pytest.mark.parametrize(
    ("status", "code"), [(400, 21220), (404, 20404)], ids=["not-in-progress", "no-such-call"]
)
def test_redirecting_an_ended_call_is_permanent(api, rest_messenger, status, code):
    error = {"code": code, "message": "Call is not in-progress.", "more_info": "", "status": status}
    api.post(CALL_URL, json=error, status=status)

    with pytest.raises(CallEndedError) as caught:
        rest_messenger.redirect_call(CALL_SID, BASE + REDIRECT_PATH)

    assert isinstance(caught.value, PermanentSendError)
    assert caught.value.code == str(code)
    assert "caller already hung up" in caught.value.explanation


def test_a_twilio_outage_during_a_redirect_is_transient(api, rest_messenger):
    error = {"code": 20500, "message": "Internal error", "more_info": "", "status": 500}
    api.post(CALL_URL, json=error, status=500)

    with pytest.raises(TransientSendError):
        rest_messenger.redirect_call(CALL_SID, BASE + REDIRECT_PATH)
