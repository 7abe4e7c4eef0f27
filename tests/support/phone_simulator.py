"""The console's phone simulator driven through its forms: place a call, answer as the
caller, and act on the technician's side (answer a ringing phone, press keys, hang up)."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.support.forms import csrf_token


def start(client: FlaskClient, caller: str = "+13365550123", at: str = "") -> TestResponse:
    """Place a simulated call from `caller` (at a pretended local moment) and show it."""
    page = client.get("/console/phone")
    data = {"caller": caller, "at": at, "csrf_token": csrf_token(page.text)}
    return client.post("/console/phone", data=data, follow_redirects=True)


def press(client: FlaskClient, page: TestResponse, **form: str) -> TestResponse:
    """The caller's answer (keys, speech, hangup, ring-out) on the simulator `page`."""
    action = re.search(r'action="([^"]*/answer)"', page.text)
    assert action, page.text
    data = {**form, "csrf_token": csrf_token(page.text)}
    return client.post(action.group(1), data=data, follow_redirects=True)


def ringing(page: TestResponse) -> list[str]:
    """The SIDs of the technicians' phones ringing on the simulator `page`."""
    return re.findall(r'name="call" value="(CA\w+)">\s*<button[^>]*value="answer"', page.text)


def technician(
    client: FlaskClient, page: TestResponse, call_sid: str, action: str, **form: str
) -> TestResponse:
    """On the technician's side: answer, decline, keys (with key=...) or hangup a call."""
    path = page.request.path.rstrip("/") + "/technician"
    data = {"call": call_sid, "action": action, **form, "csrf_token": csrf_token(page.text)}
    return client.post(path, data=data, follow_redirects=True)


def words(page: TestResponse, section: str = "phone-log") -> str:
    """The text of the page from the element with id `section` on, tags removed."""
    html = page.text.split(f'id="{section}"', 1)[1]
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("&#39;", "'").split())


def caller_words(page: TestResponse) -> str:
    """What the caller's side shows (up to the technician's side)."""
    return words(page).split("The technician's side", 1)[0]


def technician_words(page: TestResponse) -> str:
    """What the technician's side shows."""
    return words(page, "technician")
