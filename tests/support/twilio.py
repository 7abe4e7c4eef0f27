"""Twilio's side of the webhooks: signed posts, one call's steps, and reading the TwiML."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from flask.testing import FlaskClient
from twilio.request_validator import RequestValidator
from werkzeug.test import TestResponse

from intake.config import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN

PUBLIC_BASE_URL = "https://intake.example.com"
AUTH_TOKEN = SANDBOX_AUTH_TOKEN


def sign(url: str, params: dict[str, str] | list[tuple[str, str]], token: str = AUTH_TOKEN) -> str:
    """The X-Twilio-Signature Twilio would send for a POST of `params` to `url`."""
    return RequestValidator(token).compute_signature(url, dict(params))


class TwilioPoster:
    """Posts to our webhooks the way Twilio does: form-encoded and signed."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def __call__(
        self, path: str, params: dict[str, str], *, token: str = AUTH_TOKEN
    ) -> TestResponse:
        signature = sign(PUBLIC_BASE_URL + path, params, token)
        return self.client.post(path, data=params, headers={"X-Twilio-Signature": signature})


class PhoneCall:
    """One inbound call as Twilio would post it: the same CallSid and caller on every step."""

    def __init__(self, twilio: TwilioPoster, call_sid: str, from_number: str) -> None:
        self.twilio = twilio
        self.base = {
            "CallSid": call_sid,
            "AccountSid": SANDBOX_ACCOUNT_SID,
            "From": from_number,
            "Caller": from_number,
            "To": "+18888991911",
            "Called": "+18888991911",
            "CallStatus": "in-progress",
            "Direction": "inbound",
            "ApiVersion": "2010-04-01",
        }

    def post(self, path: str, **params: str) -> TestResponse:
        """Post one step of this call."""
        return self.twilio(path, {**self.base, **params})

    def ring(self) -> TestResponse:
        """The call comes in."""
        self.base["CallStatus"] = "ringing"
        response = self.post("/twilio/voice")
        self.base["CallStatus"] = "in-progress"
        return response

    def record(self, seconds: int = 14, sid: str = "RE0001") -> TestResponse:
        """The caller leaves a message and presses #."""
        url = f"https://api.twilio.com/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}/Recordings/{sid}"
        return self.post(
            "/twilio/voice/recorded",
            RecordingUrl=url,
            RecordingSid=sid,
            RecordingDuration=str(seconds),
            Digits="#",
        )


def twiml(response: TestResponse) -> ET.Element:
    """The TwiML document of a webhook answer, checked to be well-formed TwiML."""
    assert response.status_code == 200, response.data
    assert response.content_type.startswith(("text/xml", "application/xml"))
    root = ET.fromstring(response.data)
    assert root.tag == "Response"
    return root


def said(response: TestResponse) -> str:
    """Everything the caller hears in this answer, as one string."""
    return " ".join((el.text or "") for el in twiml(response).iter("Say"))
