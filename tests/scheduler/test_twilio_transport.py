"""TwilioMessenger against Twilio's REST API faked with `responses`, and the recording fake."""

from __future__ import annotations

import base64
import re
from urllib.parse import parse_qs

import pytest
import requests
import responses

from scheduler.transport import PermanentSendError, SendError, TransientSendError, TwilioMessenger
from tests.support.fake_transport import RecordingMessenger

ACCOUNT = "AC" + "0123456789abcdef" * 2
TOKEN = "test-auth-token"
API = "http://fake-twilio.test"
MESSAGES_URL = f"{API}/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
CALLS_URL = f"{API}/2010-04-01/Accounts/{ACCOUNT}/Calls.json"
SMS_FROM = "+13368991911"
VOICE_FROM = "+18888991911"
TO = "+13365550101"
SM_SID = "SM" + "a" * 32
CA_SID = "CA" + "b" * 32


@pytest.fixture
def rest_messenger() -> TwilioMessenger:
    """A messenger sending from a long code, with a voice caller ID."""
    return TwilioMessenger(ACCOUNT, TOKEN, API, sms_from=SMS_FROM, call_from=VOICE_FROM)


def form(mock: responses.RequestsMock, index: int = 0) -> dict[str, list[str]]:
    """The form fields of the index-th request the fake API received."""
    body = mock.calls[index].request.body
    return parse_qs(body if isinstance(body, str) else body.decode())


def twilio_error(status: int, code: int, message: str) -> dict[str, object]:
    """An error body shaped like Twilio's."""
    return {"code": code, "message": message, "more_info": "", "status": status}


def test_send_sms_posts_the_page_and_returns_the_sid(api, rest_messenger):
    api.post(MESSAGES_URL, json={"sid": SM_SID, "status": "queued"}, status=201)

    sid = rest_messenger.send_sms(
        TO, "Ticket 1042: server down", status_callback="https://x.test/cb"
    )

    assert sid == SM_SID
    fields = form(api)
    assert fields == {
        "To": [TO],
        "From": [SMS_FROM],
        "Body": ["Ticket 1042: server down"],
        "StatusCallback": ["https://x.test/cb"],
        "ValidityPeriod": ["600"],
    }
    expected = base64.b64encode(f"{ACCOUNT}:{TOKEN}".encode()).decode()
    assert api.calls[0].request.headers["Authorization"] == f"Basic {expected}"


def test_messaging_service_is_used_instead_of_from(api):
    service = "MG" + "c" * 32
    messenger = TwilioMessenger(
        ACCOUNT, TOKEN, API, sms_from=SMS_FROM, messaging_service_sid=service, validity_period=120
    )
    api.post(MESSAGES_URL, json={"sid": SM_SID}, status=201)

    messenger.send_sms(TO, "page")

    fields = form(api)
    assert fields["MessagingServiceSid"] == [service]
    assert "From" not in fields
    assert "StatusCallback" not in fields
    assert fields["ValidityPeriod"] == ["120"]


def test_a_messenger_without_a_sender_is_refused():
    with pytest.raises(ValueError, match="sms_from or messaging_service_sid"):
        TwilioMessenger(ACCOUNT, TOKEN, API)


def test_the_http_client_has_the_configured_timeout():
    messenger = TwilioMessenger(ACCOUNT, TOKEN, API, sms_from=SMS_FROM, timeout=3.5)
    assert messenger.client.http_client.timeout == 3.5


@pytest.mark.parametrize(
    ("status", "code"),
    [(429, 20429), (429, None), (500, 20500), (503, 20503), (502, None)],
)
def test_rate_limits_and_server_errors_are_transient(api, rest_messenger, status, code):
    body = twilio_error(status, code, "try later") if code else {}
    api.post(MESSAGES_URL, json=body, status=status)

    with pytest.raises(TransientSendError) as caught:
        rest_messenger.send_sms(TO, "page")

    assert caught.value.code == (str(code) if code else str(status))
    assert f"HTTP {status}" in str(caught.value)


@pytest.mark.parametrize(
    "failure",
    [
        requests.exceptions.ReadTimeout("read timed out"),
        requests.exceptions.ConnectTimeout("connect timed out"),
        requests.exceptions.ConnectionError("connection reset by peer"),
    ],
)
def test_timeouts_and_network_errors_are_transient(api, rest_messenger, failure):
    api.post(MESSAGES_URL, body=failure)

    with pytest.raises(TransientSendError) as caught:
        rest_messenger.send_sms(TO, "page")

    assert caught.value.code is None
    assert type(failure).__name__ in str(caught.value)


@pytest.mark.parametrize(
    ("code", "meaning"),
    [
        (21211, "21211: invalid 'To' phone number"),
        (21610, "21610: recipient has opted out (STOP)"),
        (21614, "21614: 'To' number is not a mobile number"),
        (30032, "30032: toll-free number is not verified"),
    ],
)
def test_client_errors_are_permanent_with_their_code(api, rest_messenger, code, meaning):
    api.post(MESSAGES_URL, json=twilio_error(400, code, "rejected"), status=400)

    with pytest.raises(PermanentSendError) as caught:
        rest_messenger.send_sms(TO, "page")

    assert caught.value.code == str(code)
    assert caught.value.explanation == meaning


def test_twilio_exceptions_never_cross_the_boundary(api, rest_messenger):
    api.post(MESSAGES_URL, body="<html>bad gateway</html>", status=200)

    with pytest.raises(SendError) as caught:
        rest_messenger.send_sms(TO, "page")

    assert type(caught.value) is TransientSendError
    assert isinstance(caught.value.__cause__, ValueError)


def test_place_call_posts_url_to_from_and_callbacks(api, rest_messenger):
    api.post(CALLS_URL, json={"sid": CA_SID, "status": "queued"}, status=201)

    sid = rest_messenger.place_call(
        TO, "https://x.test/voice/page/7", status_callback="https://x.test/vs", timeout=25
    )

    assert sid == CA_SID
    fields = form(api)
    assert fields["To"] == [TO]
    assert fields["From"] == [VOICE_FROM]
    assert fields["Url"] == ["https://x.test/voice/page/7"]
    assert fields["StatusCallback"] == ["https://x.test/vs"]
    assert fields["StatusCallbackEvent"] == ["initiated", "ringing", "answered", "completed"]
    assert fields["Timeout"] == ["25"]
    assert "MachineDetection" not in fields


def test_place_call_with_machine_detection(api, rest_messenger):
    api.post(CALLS_URL, json={"sid": CA_SID}, status=201)

    rest_messenger.place_call(TO, "https://x.test/voice/page/7", machine_detection=True)

    fields = form(api)
    assert fields["MachineDetection"] == ["Enable"]
    assert "StatusCallback" not in fields


def test_place_call_errors_are_mapped_too(api, rest_messenger):
    api.post(CALLS_URL, json=twilio_error(400, 21211, "invalid To"), status=400)

    with pytest.raises(PermanentSendError) as caught:
        rest_messenger.place_call(TO, "https://x.test/voice/page/7")

    assert caught.value.code == "21211"


def test_place_call_without_any_caller_id_is_permanent():
    messenger = TwilioMessenger(ACCOUNT, TOKEN, API, messaging_service_sid="MG" + "c" * 32)
    with pytest.raises(PermanentSendError, match="caller ID"):
        messenger.place_call(TO, "https://x.test/voice/page/7")


def test_recording_messenger_records_and_returns_twilio_shaped_sids():
    fake = RecordingMessenger()

    sms_sid = fake.send_sms(TO, "hello", status_callback="https://x.test/cb")
    call_sid = fake.place_call(TO, "https://x.test/twiml", machine_detection=True)

    assert re.fullmatch(r"SM[0-9a-f]{32}", sms_sid)
    assert re.fullmatch(r"CA[0-9a-f]{32}", call_sid)
    assert fake.sms == [
        {
            "kind": "sms",
            "sid": sms_sid,
            "to": TO,
            "body": "hello",
            "status_callback": "https://x.test/cb",
        }
    ]
    assert fake.calls[0]["url"] == "https://x.test/twiml"
    assert fake.calls[0]["machine_detection"] is True
    assert len(fake.sent) == 2


def test_recording_messenger_fails_the_next_n_sends_then_recovers():
    fake = RecordingMessenger()
    fake.fail_next(TransientSendError("HTTP 429", "20429"), times=2)

    for _ in range(2):
        with pytest.raises(TransientSendError):
            fake.send_sms(TO, "hello")
    fake.send_sms(TO, "hello")

    assert len(fake.sms) == 1
