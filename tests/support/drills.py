"""Drill calls as `intake drill call` posts them: signed like Twilio's, plus the drill marker;
and a requests transport that answers from a Flask test client (the CLI's caller, in-process)."""

from __future__ import annotations

from datetime import datetime

import requests
from flask.testing import FlaskClient
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from werkzeug.test import TestResponse

from tests.support.twilio import AUTH_TOKEN, PhoneCall, TwilioPoster, sign
from webhooks.drill_marker import DrillMarker, drill_headers


def marker(at: str, issued: datetime, page_to: str | None = None) -> DrillMarker:
    """A drill pretending the local moment "YYYY-MM-DD HH:MM", issued at `issued`."""
    return DrillMarker(at=datetime.strptime(at, "%Y-%m-%d %H:%M"), page_to=page_to, issued=issued)


class DrillPhoneCall(PhoneCall):
    """A call whose every step carries `headers` (a drill marker, or a forged one)."""

    def __init__(self, twilio: TwilioPoster, call_sid: str, from_number: str) -> None:
        super().__init__(twilio, call_sid, from_number)
        self.headers: dict[str, str] = {}

    def drill(self, found: DrillMarker, token: str = AUTH_TOKEN) -> DrillPhoneCall:
        """Mark every later step with `found`, signed with `token`."""
        self.headers = drill_headers(token, self.base["CallSid"], found)
        return self

    def post(self, path: str, **params: str) -> TestResponse:
        """Post one step, signed like Twilio's, with this call's extra headers."""
        form = {**self.base, **params}
        signature = sign("https://intake.example.com" + path, form)
        headers = {"X-Twilio-Signature": signature, **self.headers}
        return self.twilio.client.post(path, data=form, headers=headers)


class FlaskAdapter(BaseAdapter):
    """A requests transport whose every request is answered by a Flask test client."""

    def __init__(self, client: FlaskClient) -> None:
        super().__init__()
        self.client = client

    def send(self, request: requests.PreparedRequest, **_kwargs: object) -> requests.Response:
        """Answer `request` in-process."""
        path = requests.utils.urlparse(request.url).path
        answer = self.client.open(
            path, method=request.method, data=request.body, headers=dict(request.headers)
        )
        response = requests.Response()
        response.status_code = answer.status_code
        response.headers = CaseInsensitiveDict(answer.headers)
        response._content = answer.data
        response.url = request.url or ""
        response.request = request
        return response

    def close(self) -> None:
        """Nothing to release."""


def in_process(client: FlaskClient, base: str) -> requests.Session:
    """A requests session whose posts to `base` reach `client`."""
    session = requests.Session()
    session.mount(base, FlaskAdapter(client))
    return session
