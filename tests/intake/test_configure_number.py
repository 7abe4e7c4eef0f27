"""`intake twilio configure-number`: the support line's webhooks set through the REST API,
against Twilio faked with `responses` and against the sandbox of `intake serve --demo`."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from click.testing import Result
from flask.testing import FlaskClient
from requests import PreparedRequest
from twilio.rest import Client

from intake.config import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN, Settings
from sandbox.twilio.numbers import number_sid
from sandbox.twilio.store import SandboxStore
from scheduler.transport import NumberSetupError, TwilioAccount
from tests.support.cli import invoke
from tests.support.sandbox import routed_to_app

ACCOUNT = "AC" + "12" * 16
TOKEN = "real-looking-token"
API = "http://fake-twilio.test"
NUMBERS_URL = f"{API}/2010-04-01/Accounts/{ACCOUNT}/IncomingPhoneNumbers.json"
LINE, LOCAL = "+18888991911", "+13368991911"
LINE_SID, LOCAL_SID = "PN" + "a" * 32, "PN" + "b" * 32
BASE = "https://intake.example.com"
SANDBOX_BASE = "http://intake.test"
FALLBACK = "https://fallback.example.net/twiml"


def number_json(phone: str, sid: str, **urls: str) -> dict[str, object]:
    """An IncomingPhoneNumber as Twilio renders it (the fields we read)."""
    fields = {"voice_url": "", "voice_method": "POST", "status_callback": "", "sms_url": ""}
    return {"sid": sid, "account_sid": ACCOUNT, "phone_number": phone, **fields, **urls}


def page_of(*numbers: dict[str, object]) -> dict[str, object]:
    """One page of a list, as Twilio renders it."""
    uri = f"/2010-04-01/Accounts/{ACCOUNT}/IncomingPhoneNumbers.json"
    return {
        "incoming_phone_numbers": list(numbers),
        "page": 0,
        "page_size": 50,
        "uri": uri,
        "first_page_uri": uri,
        "next_page_uri": None,
        "previous_page_uri": None,
    }


def update_url(sid: str) -> str:
    """Where one number is updated."""
    return f"{API}/2010-04-01/Accounts/{ACCOUNT}/IncomingPhoneNumbers/{sid}.json"


def form(call: responses.Call) -> dict[str, list[str]]:
    """The form fields of a faked request."""
    body = call.request.body or ""
    return parse_qs(body if isinstance(body, str) else body.decode())


def error(status: int, code: int, message: str) -> dict[str, object]:
    """Twilio's error body."""
    return {"code": code, "message": message, "more_info": "", "status": status}


@pytest.fixture
def api() -> Iterator[responses.RequestsMock]:
    """Twilio's REST API, faked; an unexpected request fails the test."""
    with responses.RequestsMock() as mock:
        yield mock


@pytest.fixture
def account() -> TwilioAccount:
    """A client on the fake API."""
    return TwilioAccount(ACCOUNT, TOKEN, API, timeout=2)


def answer_update(api: responses.RequestsMock, sid: str = LINE_SID, phone: str = LINE) -> None:
    """Twilio finds `phone` and accepts the update, echoing the new settings."""
    api.get(NUMBERS_URL, json=page_of(number_json(phone, sid)))

    def echo(request: PreparedRequest) -> tuple[int, dict[str, str], str]:
        """Twilio's answer to an update: the number with its new URLs."""
        fields = parse_qs(str(request.body))
        names = {"VoiceUrl": "voice_url", "StatusCallback": "status_callback"}
        names |= {"SmsUrl": "sms_url", "VoiceFallbackUrl": "voice_fallback_url"}
        urls = {names[k]: v[0] for k, v in fields.items() if k in names}
        return 200, {}, json.dumps(number_json(phone, sid, **urls))

    api.add_callback(responses.POST, update_url(sid), callback=echo)


def configure(account: TwilioAccount) -> dict[str, str | None]:
    """Set the support line's voice URL only."""
    return account.configure_number(
        LINE, voice_url="https://x.test/v", status_callback=None, sms_url=None
    )


# --- the REST calls (scheduler/transport.py) -------------------------------------------


def test_the_number_is_found_by_phone_number_and_every_webhook_set(api, account):
    answer_update(api)

    result = account.configure_number(
        LINE,
        voice_url=f"{BASE}/twilio/voice",
        status_callback=f"{BASE}/twilio/voice/status",
        sms_url=f"{BASE}/twilio/sms",
        fallback_url=FALLBACK,
    )

    assert parse_qs(urlsplit(api.calls[0].request.url).query) == {"PhoneNumber": [LINE]}
    assert form(api.calls[1]) == {
        "VoiceUrl": [f"{BASE}/twilio/voice"],
        "VoiceMethod": ["POST"],
        "StatusCallback": [f"{BASE}/twilio/voice/status"],
        "StatusCallbackMethod": ["POST"],
        "SmsUrl": [f"{BASE}/twilio/sms"],
        "SmsMethod": ["POST"],
        "VoiceFallbackUrl": [FALLBACK],
        "VoiceFallbackMethod": ["POST"],
    }
    assert result["sid"] == LINE_SID
    assert result["voice_url"] == f"{BASE}/twilio/voice"
    assert result["voice_fallback_url"] == FALLBACK


def test_urls_not_given_are_left_alone(api, account):
    answer_update(api, LOCAL_SID, LOCAL)

    account.configure_number(LOCAL, voice_url=None, status_callback=None, sms_url=f"{BASE}/sms")

    assert form(api.calls[1]) == {"SmsUrl": [f"{BASE}/sms"], "SmsMethod": ["POST"]}


def test_a_number_not_on_the_account_is_refused(api, account):
    # PhoneNumber matches parts of numbers: a near miss must not be updated instead.
    api.get(NUMBERS_URL, json=page_of(number_json(LINE + "2", LINE_SID)))

    with pytest.raises(NumberSetupError, match=r"\+18888991911 is not a number of account"):
        account.configure_number(
            LINE, voice_url="https://x.test/v", status_callback=None, sms_url=None
        )

    assert len(api.calls) == 1


def test_wrong_credentials_report_twilio_code_and_message(api, account):
    api.get(NUMBERS_URL, json=error(401, 20003, "Authenticate"), status=401)

    with pytest.raises(NumberSetupError) as caught:
        account.configure_number(
            LINE, voice_url="https://x.test/v", status_callback=None, sms_url=None
        )

    assert caught.value.code == "20003"
    assert str(caught.value) == (
        "Twilio error 20003 (HTTP 401): Authenticate (Twilio rejected our credentials)"
    )


def test_a_url_twilio_refuses_reports_its_code(api, account):
    api.get(NUMBERS_URL, json=page_of(number_json(LINE, LINE_SID)))
    api.post(update_url(LINE_SID), json=error(400, 21402, "Url is not valid"), status=400)

    with pytest.raises(NumberSetupError, match=r"Twilio error 21402 \(HTTP 400\): Url is not"):
        account.configure_number(
            LINE, voice_url="https://x.test/v", status_callback=None, sms_url=None
        )


def test_no_answer_at_all_is_unreachable(api, account):
    api.get(NUMBERS_URL, body=requests.exceptions.ConnectionError("refused"))

    with pytest.raises(NumberSetupError) as caught:
        account.configure_number(
            LINE, voice_url="https://x.test/v", status_callback=None, sms_url=None
        )

    assert caught.value.unreachable
    assert str(caught.value) == f"cannot reach {API} (ConnectionError)"


# --- the command, against Twilio faked -------------------------------------------------


def intake(tmp_path: Path, *args: str, **env: str | None) -> Result:
    """Run `intake twilio configure-number ARGS` with a production-like environment."""
    base_env: dict[str, str | None] = {
        "INTAKE_INSTANCE_PATH": str(tmp_path),
        "SECRET_KEY": "a-test-secret-key-of-32-characters",
        "PUBLIC_BASE_URL": BASE,
        "TWILIO_ACCOUNT_SID": ACCOUNT,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "TWILIO_API_BASE_URL": API,
        "TWILIO_VOICE_NUMBER": LINE,
        "TWILIO_SMS_FROM": None,
        "TWILIO_MESSAGING_SERVICE_SID": None,
        "SUPPORT_LINES": None,
    }
    command = ["twilio", "configure-number", *args]
    return invoke(*command, env={**base_env, **env})


def test_the_command_sets_and_prints_every_url(api, tmp_path):
    answer_update(api)

    result = intake(tmp_path, "--fallback-url", FALLBACK)

    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"Configuring Twilio account {ACCOUNT}:",
        f"support line {LINE} ({LINE_SID}):",
        f"  voice URL        POST {BASE}/twilio/voice",
        f"  status callback  POST {BASE}/twilio/voice/status",
        f"  voice fallback   POST {FALLBACK}",
        f"  SMS URL          POST {BASE}/twilio/sms",
    ]


def test_the_sms_number_gets_only_its_sms_url(api, tmp_path):
    answer_update(api)
    answer_update(api, LOCAL_SID, LOCAL)

    result = intake(tmp_path, "--sms-number", "(336) 899-1911")

    assert result.exit_code == 0, result.output
    assert form(api.calls[3]) == {"SmsUrl": [f"{BASE}/twilio/sms"], "SmsMethod": ["POST"]}
    assert f"SMS number {LOCAL} ({LOCAL_SID}):\n  SMS URL          POST {BASE}/twilio/sms" in (
        result.output
    )


def test_the_command_reminds_that_replies_reach_the_sending_number(api, tmp_path):
    answer_update(api)

    result = intake(tmp_path, TWILIO_SMS_FROM=LOCAL)

    assert result.exit_code == 0, result.output
    assert f"add --sms-number {LOCAL} to set its SMS URL too" in result.output


def test_every_support_line_gets_every_webhook(api, tmp_path):
    answer_update(api)
    answer_update(api, LOCAL_SID, LOCAL)

    result = intake(tmp_path, SUPPORT_LINES=f" {LOCAL} ,")

    assert result.exit_code == 0, result.output
    hooks = {
        "VoiceUrl": [f"{BASE}/twilio/voice"],
        "VoiceMethod": ["POST"],
        "StatusCallback": [f"{BASE}/twilio/voice/status"],
        "StatusCallbackMethod": ["POST"],
        "SmsUrl": [f"{BASE}/twilio/sms"],
        "SmsMethod": ["POST"],
        "VoiceFallbackUrl": [f"{BASE}/twilio/voice/fallback"],
        "VoiceFallbackMethod": ["POST"],
    }
    assert form(api.calls[1]) == hooks and form(api.calls[3]) == hooks
    assert parse_qs(urlsplit(api.calls[2].request.url).query) == {"PhoneNumber": [LOCAL]}
    assert f"support line {LINE} ({LINE_SID}):" in result.output
    assert f"support line {LOCAL} ({LOCAL_SID}):" in result.output
    assert result.output.count(f"voice fallback   POST {BASE}/twilio/voice/fallback") == 2


def test_a_line_not_on_the_account_does_not_stop_the_others(api, tmp_path):
    api.get(NUMBERS_URL, json=page_of())
    answer_update(api, LOCAL_SID, LOCAL)

    result = intake(tmp_path, SUPPORT_LINES=LOCAL)

    assert result.exit_code == 1
    assert f"support line {LINE}: not configured" in result.output
    assert f"support line {LOCAL} ({LOCAL_SID}):" in result.output
    assert f"Error: {LINE} is not a number of account {ACCOUNT}" in result.output


def test_the_sending_number_among_the_lines_needs_no_reminder(api, tmp_path):
    answer_update(api)
    answer_update(api, LOCAL_SID, LOCAL)

    result = intake(tmp_path, SUPPORT_LINES=LOCAL, TWILIO_SMS_FROM=LOCAL)

    assert result.exit_code == 0, result.output
    assert "--sms-number" not in result.output


def test_a_bad_support_line_stops_the_command_before_any_request(api, tmp_path):
    result = intake(tmp_path, SUPPORT_LINES="+13365550199, not a phone")

    assert result.exit_code == 1
    assert "SUPPORT_LINES: 'not a phone' is not a phone number" in result.output
    assert len(api.calls) == 0


@pytest.mark.parametrize(
    ("base", "why"),
    [
        ("http://intake.example.com", "PUBLIC_BASE_URL must be https:// for Twilio"),
        ("https://localhost:5000", "is not reachable from the Internet"),
        ("https://192.168.1.20", "is not reachable from the Internet"),
    ],
)
def test_a_url_twilio_cannot_reach_is_refused_before_any_request(api, tmp_path, base, why):
    result = intake(tmp_path, PUBLIC_BASE_URL=base)

    assert result.exit_code == 1
    assert why in result.output
    assert "--demo" in result.output or "Internet" in result.output
    assert len(api.calls) == 0


def test_a_bad_fallback_url_is_refused(api, tmp_path):
    result = intake(tmp_path, "--fallback-url", "http://fallback.example.net/twiml")

    assert result.exit_code == 1
    assert "--fallback-url must be https://" in result.output


def test_a_bad_sms_number_is_a_usage_error(api, tmp_path):
    result = intake(tmp_path, "--sms-number", "not a phone")

    assert result.exit_code == 2
    assert "is not a phone number" in result.output


def test_a_missing_number_fails_clearly(api, tmp_path):
    api.get(NUMBERS_URL, json=page_of())

    result = intake(tmp_path)

    assert result.exit_code == 1
    assert f"Error: {LINE} is not a number of account {ACCOUNT}" in result.output


def test_wrong_credentials_fail_with_twilio_code(api, tmp_path):
    api.get(NUMBERS_URL, json=error(401, 20003, "Authenticate"), status=401)

    result = intake(tmp_path)

    assert result.exit_code == 1
    assert "Error: Twilio error 20003 (HTTP 401): Authenticate" in result.output


def test_a_refused_url_fails_with_twilio_code(api, tmp_path):
    api.get(NUMBERS_URL, json=page_of(number_json(LINE, LINE_SID)))
    api.post(update_url(LINE_SID), json=error(400, 21402, "Url is not valid"), status=400)

    result = intake(tmp_path)

    assert result.exit_code == 1
    assert "Error: Twilio error 21402 (HTTP 400): Url is not valid" in result.output


# --- the sandbox of `intake serve --demo` -----------------------------------------------


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The conftest settings in demo mode, so create_app mounts the sandbox."""
    return settings.with_overrides(sandbox=True)


@pytest.fixture
def sandbox(client: FlaskClient, store: SandboxStore) -> Iterator[responses.RequestsMock]:
    """HTTP to SANDBOX_BASE answered by the app's test client, as a running demo would."""
    with routed_to_app(client, SANDBOX_BASE) as mock:
        yield mock


SANDBOX_API = f"/sandbox/twilio/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}/IncomingPhoneNumbers"
AUTH = (SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN)


def test_configure_number_demo_sets_the_sandbox_numbers(sandbox, store, tmp_path):
    result = intake(
        tmp_path,
        "--demo",
        "--sms-number",
        LOCAL,
        "--fallback-url",
        FALLBACK,
        PUBLIC_BASE_URL=SANDBOX_BASE,
        TWILIO_API_BASE_URL=None,
    )

    assert result.exit_code == 0, result.output
    assert result.output.startswith("Configuring the Twilio sandbox:\n")
    [line] = store.numbers.find(LINE)
    assert (line.voice_url, line.status_callback, line.sms_url, line.voice_fallback_url) == (
        f"{SANDBOX_BASE}/twilio/voice",
        f"{SANDBOX_BASE}/twilio/voice/status",
        f"{SANDBOX_BASE}/twilio/sms",
        FALLBACK,
    )
    [local] = store.numbers.find(LOCAL)
    assert (local.voice_url, local.sms_url) == ("", f"{SANDBOX_BASE}/twilio/sms")
    assert f"  voice URL        POST {SANDBOX_BASE}/twilio/voice" in result.output


def test_configure_number_demo_without_a_running_demo_says_so(api, tmp_path):
    api.get(
        re.compile(re.escape(SANDBOX_BASE) + ".*"),
        body=requests.exceptions.ConnectionError("refused"),
    )

    result = intake(tmp_path, "--demo", PUBLIC_BASE_URL=SANDBOX_BASE, TWILIO_API_BASE_URL=None)

    assert result.exit_code == 1
    assert "is `intake serve --demo` running?" in result.output


def test_twilio_python_lists_and_updates_sandbox_numbers(sandbox, store):
    account = TwilioAccount(
        SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN, SANDBOX_BASE + "/sandbox/twilio"
    )

    result = account.configure_number(
        LOCAL, voice_url=None, status_callback=None, sms_url="https://x.test/sms"
    )

    assert result["sid"] == number_sid(LOCAL)
    assert (result["sms_url"], result["sms_method"], result["voice_url"]) == (
        "https://x.test/sms",
        "POST",
        "",
    )
    raw = Client(SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN)
    raw.api.base_url = SANDBOX_BASE + "/sandbox/twilio"
    assert [n.phone_number for n in raw.incoming_phone_numbers.list()] == [LINE, LOCAL]
    fetched = raw.incoming_phone_numbers(number_sid(LOCAL)).fetch()
    assert fetched.sms_url == "https://x.test/sms"


@pytest.mark.parametrize(
    ("pattern", "found"),
    [
        (LINE, [LINE]),
        ("+1336", [LOCAL]),
        ("899191*", [LINE, LOCAL]),
        ("8888991911", [LINE]),
        ("+15550000000", []),
        ("", [LINE, LOCAL]),
    ],
)
def test_the_sandbox_filters_numbers_like_twilio(client, store, pattern, found):
    answer = client.get(f"{SANDBOX_API}.json", query_string={"PhoneNumber": pattern}, auth=AUTH)

    assert answer.status_code == 200
    assert [n["phone_number"] for n in answer.json["incoming_phone_numbers"]] == found
    assert answer.json["next_page_uri"] is None


def test_sandbox_numbers_need_the_account_credentials(client, store):
    listing = client.get(f"{SANDBOX_API}.json")
    update = client.post(
        f"{SANDBOX_API}/{number_sid(LINE)}.json",
        data={"VoiceUrl": "https://evil.test/"},
        auth=(SANDBOX_ACCOUNT_SID, "wrong"),
    )

    assert (listing.status_code, listing.json["code"]) == (401, 20003)
    assert (update.status_code, update.json["code"]) == (401, 20003)
    assert store.numbers.find(LINE)[0].voice_url == ""


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"VoiceUrl": "not a url"}, 21402),
        ({"SmsUrl": "ftp://files.example.com/sms"}, 21402),
        ({"StatusCallback": "https:///no-host"}, 21402),
        ({"VoiceMethod": "PUT"}, 21403),
    ],
)
def test_the_sandbox_refuses_bad_settings_like_twilio(client, store, fields, code):
    answer = client.post(f"{SANDBOX_API}/{number_sid(LINE)}.json", data=fields, auth=AUTH)

    assert (answer.status_code, answer.json["code"]) == (400, code)
    line = store.numbers.find(LINE)[0]
    assert (line.voice_url, line.sms_url, line.voice_method) == ("", "", "POST")


def test_an_unknown_number_sid_is_404(client, store):
    answer = client.post(
        f"{SANDBOX_API}/PN{'0' * 32}.json", data={"VoiceUrl": "https://x.test/"}, auth=AUTH
    )

    assert (answer.status_code, answer.json["code"]) == (404, 20404)


def test_the_sandbox_page_shows_each_numbers_webhooks(client, store):
    client.post(
        f"{SANDBOX_API}/{number_sid(LINE)}.json",
        data={"VoiceUrl": "https://intake.example.com/twilio/voice"},
        auth=AUTH,
    )

    page = client.get("/sandbox/").get_data(as_text=True)

    assert "Phone numbers" in page
    assert "<td>+18888991911</td><td>https://intake.example.com/twilio/voice</td>" in page
