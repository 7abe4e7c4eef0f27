"""The local fake of Twilio's REST API: what `intake serve --demo` sends SMS and calls through."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl

import pytest
import responses
from flask.testing import FlaskClient
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from werkzeug.test import TestResponse

from intake.app import create_app
from intake.clock import FrozenClock
from intake.config import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN, Settings
from intake.db import Database
from sandbox.twilio.store import SandboxStore
from scheduler.transport import TwilioMessenger
from tests.support.sandbox import SANDBOX_URL, routed_to_app
from tests.support.twilio import PUBLIC_BASE_URL
from ticketing.sms_text import segments as num_segments

API = f"/sandbox/twilio/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}"
# On the app's own origin: the sandbox posts status callbacks nowhere else.
HOOK = f"{PUBLIC_BASE_URL}/hooks/sms/status"
TECH = "+13365550101"
AUTH = (SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN)
SID = re.compile(r"(SM|CA)[0-9a-f]{32}")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The conftest settings in demo mode, so create_app mounts the sandbox."""
    return settings.with_overrides(sandbox=True)


def send(client: FlaskClient, auth: tuple[str, str] = AUTH, **form: str) -> TestResponse:
    """POST to Messages.json with basic auth, as twilio-python would."""
    return client.post(f"{API}/Messages.json", data=form, auth=auth)


def connect(token: str = SANDBOX_AUTH_TOKEN) -> Client:
    """A real twilio-python Client pointed at the sandbox (reachable under `rest_mock`)."""
    twilio = Client(SANDBOX_ACCOUNT_SID, token)
    twilio.api.base_url = SANDBOX_URL
    return twilio


@pytest.fixture
def rest_mock(client: FlaskClient, store: SandboxStore) -> Iterator[responses.RequestsMock]:
    """Route HTTP to SANDBOX_URL into the app's test client; HOOK answers 204."""
    with routed_to_app(client, SANDBOX_URL) as mock:
        mock.add(responses.POST, HOOK, status=204)
        yield mock


@pytest.fixture
def twilio_client(rest_mock: responses.RequestsMock) -> Client:
    """A twilio-python Client with the sandbox credentials."""
    return connect()


def test_messages_need_the_account_sid_and_auth_token(client: FlaskClient, store: SandboxStore):
    """No or wrong credentials get Twilio's 401 (code 20003) and send nothing."""
    form = {"To": TECH, "From": "+13368991911", "Body": "hi"}
    anonymous = client.post(f"{API}/Messages.json", data=form)
    forged = send(client, (SANDBOX_ACCOUNT_SID, "not-the-token"), **form)
    other_account = client.post(
        API.replace(SANDBOX_ACCOUNT_SID, "AC" + "0" * 32) + "/Messages.json",
        data=form,
        auth=AUTH,
    )
    assert anonymous.status_code == 401
    assert anonymous.json["code"] == 20003
    assert anonymous.headers["WWW-Authenticate"].startswith("Basic")
    assert forged.status_code == 401
    assert other_account.status_code == 404
    assert store.messages() == []


def test_message_is_stored_and_printed(
    client: FlaskClient, store: SandboxStore, capsys: pytest.CaptureFixture[str]
):
    """A 201 with Twilio's fields; the demo terminal shows who texted whom what."""
    answer = send(client, To=TECH, From="+13368991911", Body="EMERGENCY ticket 1042")
    assert answer.status_code == 201
    data = answer.json
    assert SID.fullmatch(data["sid"]) and data["sid"].startswith("SM")
    assert data["status"] == "queued"
    assert (data["to"], data["from"], data["body"]) == (
        TECH,
        "+13368991911",
        "EMERGENCY ticket 1042",
    )
    assert data["num_segments"] == "1"
    assert data["account_sid"] == SANDBOX_ACCOUNT_SID
    assert data["uri"] == f"/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}/Messages/{data['sid']}.json"
    # The app's frozen clock: Saturday 23:10 in New York is 04:10 UTC on Sunday.
    assert data["date_created"] == "Sun, 06 Dec 2026 04:10:00 +0000"
    assert [m.sid for m in store.messages()] == [data["sid"]]
    printed = capsys.readouterr().out
    assert f"[sandbox] SMS +13368991911 → {TECH}: EMERGENCY ticket 1042" in printed


@pytest.mark.parametrize(
    ("form", "code"),
    [
        ({"From": "+13368991911", "Body": "x"}, 21604),
        ({"To": "555-0101", "From": "+13368991911", "Body": "x"}, 21211),
        ({"To": TECH, "Body": "x"}, 21603),
        ({"To": TECH, "From": "+13368991911"}, 21602),
        ({"To": TECH, "From": "+13368991911", "Body": "x" * 1601}, 21617),
        ({"To": "+15005550004", "From": "+13368991911", "Body": "x"}, 21610),
        ({"To": TECH, "From": "+13368991911", "Body": "x", "ValidityPeriod": "soon"}, 20001),
    ],
)
def test_bad_messages_get_twilio_errors(
    client: FlaskClient, store: SandboxStore, form: dict[str, str], code: int
):
    """Missing or invalid fields: 400 with the error code Twilio would give; nothing stored."""
    answer = send(client, **form)
    assert answer.status_code == 400
    assert answer.json["code"] == code
    assert answer.json["more_info"].endswith(str(code))
    assert store.messages() == []


def test_messaging_service_can_replace_from(client: FlaskClient, store: SandboxStore):
    """With a Messaging Service, Twilio picks the sender later: `from` is null at first."""
    answer = send(client, To=TECH, MessagingServiceSid="MG" + "1" * 32, Body="page")
    assert answer.status_code == 201
    assert answer.json["from"] is None
    assert answer.json["messaging_service_sid"] == "MG" + "1" * 32


def test_twilio_python_sends_through_the_sandbox(twilio_client: Client, store: SandboxStore):
    """twilio-python's messages.create parses the sandbox's answer like Twilio's."""
    message = twilio_client.messages.create(
        to=TECH, from_="+13368991911", body="Ticket 1042", validity_period=600
    )
    assert message.sid is not None and message.sid.startswith("SM")
    assert message.status == "queued"
    assert message.num_segments == "1"
    assert isinstance(message.date_created, datetime)
    stored = store.messages()
    assert [(m.sid, m.to, m.body, m.validity_period) for m in stored] == [
        (message.sid, TECH, "Ticket 1042", 600)
    ]
    fetched = twilio_client.messages(message.sid).fetch()
    assert fetched.body == "Ticket 1042"


def test_twilio_python_sees_a_wrong_token_as_twilio_rest_exception(
    rest_mock: responses.RequestsMock,
):
    """The error body is one twilio-python turns into TwilioRestException(401, 20003)."""
    with pytest.raises(TwilioRestException) as caught:
        connect("wrong").messages.create(to=TECH, from_="+13368991911", body="x")
    assert caught.value.status == 401
    assert caught.value.code == 20003


def _posted(call: responses.Call) -> dict[str, str]:
    return dict(parse_qsl(call.request.body))


def test_status_callbacks_are_signed_and_in_order(
    rest_mock: responses.RequestsMock, twilio_client: Client, store: SandboxStore
):
    """sent, then delivered, each signed with the auth token like Twilio's webhooks."""
    store.deliver_callbacks = True
    message = twilio_client.messages.create(
        to=TECH, from_="+13368991911", body="page", status_callback=HOOK
    )
    store.join()
    hook_calls = [c for c in rest_mock.calls if c.request.url == HOOK]
    posted = [_posted(c) for c in hook_calls]
    assert [p["MessageStatus"] for p in posted] == ["sent", "delivered"]
    validator = RequestValidator(SANDBOX_AUTH_TOKEN)
    for call, params in zip(hook_calls, posted, strict=True):
        assert params["MessageSid"] == params["SmsSid"] == message.sid
        assert (params["To"], params["From"]) == (TECH, "+13368991911")
        assert params["AccountSid"] == SANDBOX_ACCOUNT_SID
        assert "ErrorCode" not in params
        assert validator.validate(HOOK, params, call.request.headers["X-Twilio-Signature"])
    assert store.message(message.sid).status == "delivered"


def test_delivery_can_be_switched_off(client: FlaskClient, store: SandboxStore):
    """Tests that only look at what was sent can keep the sandbox quiet."""
    seen: list[str] = []
    store.transport = lambda url, params, headers: seen.append(url) or 204
    send(client, To=TECH, From="+13368991911", Body="x", StatusCallback=HOOK)
    store.join()
    assert seen == []
    assert store.messages()[0].status == "queued"


def test_failed_callbacks_are_logged_not_raised(
    client: FlaskClient, store: SandboxStore, capsys: pytest.CaptureFixture[str]
):
    """A dead callback URL must not break the API call or the background thread."""

    def refuse(url: str, params: dict[str, str], headers: dict[str, str]) -> int:
        raise ConnectionError("connection refused")

    store.deliver_callbacks, store.transport = True, refuse
    answer = send(client, To=TECH, From="+13368991911", Body="x", StatusCallback=HOOK)
    store.join()
    assert answer.status_code == 201
    assert [a.error for a in store.callbacks] == ["ConnectionError: connection refused"] * 2
    assert store.messages()[0].status == "delivered"
    assert f"status callback to {HOOK} failed" in capsys.readouterr().err


def test_calls_are_stored_redirected_and_unknown_ones_are_404(
    twilio_client: Client, store: SandboxStore, capsys: pytest.CaptureFixture[str]
):
    """Create a call, redirect it, and fail on a SID the sandbox never issued."""
    call = twilio_client.calls.create(
        to=TECH,
        from_="+18888991911",
        url="https://intake.example.com/twilio/voice/page/7",
        status_callback="https://intake.example.com/twilio/voice/status",
        timeout=25,
        machine_detection="Enable",
    )
    assert call.sid.startswith("CA") and call.status == "queued"
    updated = twilio_client.calls(call.sid).update(url="https://intake.example.com/next")
    assert updated.sid == call.sid
    stored = store.call(call.sid)
    assert stored is not None
    assert (stored.url, stored.timeout, stored.machine_detection) == (
        "https://intake.example.com/twilio/voice/page/7",
        25,
        "Enable",
    )
    assert [r.url for r in stored.redirects] == ["https://intake.example.com/next"]
    with pytest.raises(TwilioRestException) as caught:
        twilio_client.calls("CA" + "0" * 32).update(url="https://intake.example.com/next")
    assert (caught.value.status, caught.value.code) == (404, 20404)
    assert f"[sandbox] CALL +18888991911 → {TECH}" in capsys.readouterr().out


def test_calls_need_a_url_or_twiml_and_cannot_be_redirected_once_ended(
    client: FlaskClient, store: SandboxStore
):
    """Twilio's 21205 for a call with nothing to run, 21220 for redirecting an ended call."""
    no_url = client.post(f"{API}/Calls.json", data={"To": TECH, "From": "+18888991911"}, auth=AUTH)
    inline = client.post(
        f"{API}/Calls.json",
        data={"To": TECH, "From": "+18888991911", "Twiml": "<Response><Say>Hi</Say></Response>"},
        auth=AUTH,
    )
    sid = inline.json["sid"]
    hang_up = client.post(f"{API}/Calls/{sid}.json", data={"Status": "completed"}, auth=AUTH)
    too_late = client.post(f"{API}/Calls/{sid}.json", data={"Url": "https://x.test/"}, auth=AUTH)
    assert (no_url.status_code, no_url.json["code"]) == (400, 21205)
    assert inline.status_code == 201
    assert store.call(sid).twiml == "<Response><Say>Hi</Say></Response>"
    assert hang_up.status_code == 200 and hang_up.json["status"] == "completed"
    assert (too_late.status_code, too_late.json["code"]) == (400, 21220)


def test_message_list_since_an_index(client: FlaskClient, store: SandboxStore):
    """GET /sandbox/twilio/messages?since=N: the messages after the first N, newest last."""
    for body in ("one", "two", "three"):
        send(client, To=TECH, From="+13368991911", Body=body)
    everything = client.get("/sandbox/twilio/messages")
    later = client.get("/sandbox/twilio/messages?since=1")
    assert [m["body"] for m in everything.json] == ["one", "two", "three"]
    assert [(m["index"], m["body"]) for m in later.json] == [(1, "two"), (2, "three")]
    assert client.get("/sandbox/twilio/messages?since=soon").status_code == 400


def test_page_lists_messages_and_escapes_them(client: FlaskClient, store: SandboxStore):
    """The HTML page shows what was sent without running anything a body contains."""
    send(client, To=TECH, From="+13368991911", Body="<script>alert(1)</script>")
    page = client.get("/sandbox/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "text/html" in page.content_type
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>" not in html
    assert TECH in html


def test_sandbox_is_only_mounted_in_demo_mode(
    settings: Settings, database: Database, clock: FrozenClock
):
    """Production settings (sandbox off) have no fake Twilio to send to."""
    production = create_app(settings.with_overrides(sandbox=False), database=database, clock=clock)
    assert "sandbox" not in production.extensions
    assert production.test_client().get("/sandbox/").status_code == 404


@pytest.mark.parametrize(
    ("body", "segments"),
    [
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("€" * 80, 1),  # extension characters count twice in GSM-7
        ("€" * 81, 2),
        ("’" * 70, 1),  # one curly quote turns the message into UCS-2
        ("’" + "a" * 70, 2),
    ],
)
def test_segments_follow_gsm7_and_ucs2_rules(body: str, segments: int):
    """num_segments matches Twilio's billing: 160/153 GSM-7, 70/67 UCS-2."""
    assert num_segments(body) == segments


def test_the_relay_finds_a_text_the_sandbox_has(twilio_client: Client):
    """The Messages list by To and DateSent answers the relay's look-up after a lost answer."""
    sent = twilio_client.messages.create(to=TECH, from_="+13368991911", body="EMERGENCY 1042")
    relay = TwilioMessenger(SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN, SANDBOX_URL, sms_from=TECH)
    attempt = datetime(2026, 12, 6, 4, 10, tzinfo=UTC)

    assert relay.find_sent(TECH, "EMERGENCY 1042", attempt) == sent.sid
    assert relay.find_sent(TECH, "EMERGENCY 1043", attempt) is None
    assert relay.find_sent("+13365550199", "EMERGENCY 1042", attempt) is None
    assert relay.find_sent(TECH, "EMERGENCY 1042", attempt + timedelta(minutes=5)) is None
