"""Only Twilio, signing for exactly this URL with our token, gets through; the rest get 403
and change nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from tests.support.twilio import AUTH_TOKEN, PUBLIC_BASE_URL, sign
from ticketing.models import Call, Ticket, WebhookReceipt

CALL = {"CallSid": "CA" + "1" * 32, "From": "+13365550123", "To": "+18888991911"}
TWILIO_URLS = [
    "/twilio/voice",
    "/twilio/voice/status",
    "/twilio/voice/account/1",
    "/twilio/voice/menu/1",
    "/twilio/voice/recorded",
    "/twilio/voice/no-recording",
    "/twilio/voice/transcription",
    "/twilio/voice/callback/confirm",
    "/twilio/voice/callback/number/1",
    "/twilio/voice/fallback-message",
    "/twilio/sms/status",
]


def _nothing_written(session) -> None:
    for model in (Ticket, Call, WebhookReceipt):
        assert session.scalar(select(func.count()).select_from(model)) == 0


def test_twilio_published_vector_is_what_we_compute() -> None:
    """twilio-python's own test vector, so our signing helper signs like Twilio."""
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+14158675309",
        "Digits": "1234",
        "From": "+14158675309",
        "To": "+18005551212",
    }
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    assert (
        RequestValidator("12345").compute_signature(url, params) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    )


@pytest.mark.parametrize("path", TWILIO_URLS)
def test_unsigned_request_is_refused(client, session, path) -> None:
    response = client.post(path, data=CALL)
    assert response.status_code == 403
    _nothing_written(session)


@pytest.mark.parametrize("path", TWILIO_URLS)
def test_signature_with_another_token_is_refused(client, session, path) -> None:
    forged = sign(PUBLIC_BASE_URL + path, CALL, token="not-our-token")
    response = client.post(path, data=CALL, headers={"X-Twilio-Signature": forged})
    assert response.status_code == 403
    _nothing_written(session)


def test_signature_replayed_to_another_url_is_refused(client, session) -> None:
    """A valid signature for /twilio/voice/status must not open a call at /twilio/voice."""
    signature = sign(PUBLIC_BASE_URL + "/twilio/voice/status", CALL)
    response = client.post("/twilio/voice", data=CALL, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403
    _nothing_written(session)


def test_signature_for_another_host_is_refused(client, session) -> None:
    signature = sign("https://evil.example.com/twilio/voice", CALL)
    response = client.post("/twilio/voice", data=CALL, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403


def test_tampered_parameters_are_refused(client, session) -> None:
    signature = sign(PUBLIC_BASE_URL + "/twilio/voice", CALL)
    tampered = {**CALL, "From": "+13365550999"}
    response = client.post(
        "/twilio/voice", data=tampered, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 403
    _nothing_written(session)


def test_added_parameter_is_refused(client, session) -> None:
    signature = sign(PUBLIC_BASE_URL + "/twilio/voice", CALL)
    extra = {**CALL, "SimulatedAt": "2026-12-24 21:30"}
    response = client.post("/twilio/voice", data=extra, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403


def test_signature_for_http_while_public_url_is_https_is_refused(client) -> None:
    """Behind a TLS proxy Flask sees http://; we validate against PUBLIC_BASE_URL (https)."""
    signature = sign("http://intake.example.com/twilio/voice", CALL)
    response = client.post("/twilio/voice", data=CALL, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403


def test_request_seen_over_plain_http_behind_proxy_is_accepted(client, directory) -> None:
    """The test client talks http://localhost; the signature over the public https URL counts."""
    signature = sign(PUBLIC_BASE_URL + "/twilio/voice", CALL)
    response = client.post(
        "/twilio/voice",
        data=CALL,
        headers={"X-Twilio-Signature": signature},
        base_url="http://10.0.0.5:8000",
    )
    assert response.status_code == 200


def test_default_port_in_signed_url_is_accepted(client, directory) -> None:
    signature = sign("https://intake.example.com:443/twilio/voice", CALL)
    response = client.post("/twilio/voice", data=CALL, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200


def test_query_string_is_part_of_the_signed_url(client, directory) -> None:
    signature = sign(PUBLIC_BASE_URL + "/twilio/voice?source=test", CALL)
    ok = client.post(
        "/twilio/voice?source=test", data=CALL, headers={"X-Twilio-Signature": signature}
    )
    assert ok.status_code == 200
    other = client.post(
        "/twilio/voice?source=other",
        data={**CALL, "CallSid": "CA" + "2" * 32},
        headers={"X-Twilio-Signature": signature},
    )
    assert other.status_code == 403


def test_repeated_parameters_are_signed_as_twilio_signs_them(client, directory) -> None:
    pairs = [*CALL.items(), ("Tag", "b"), ("Tag", "a")]
    digest = RequestValidator(AUTH_TOKEN)
    from werkzeug.datastructures import MultiDict

    signature = digest.compute_signature(PUBLIC_BASE_URL + "/twilio/voice", MultiDict(pairs))
    ok = client.post(
        "/twilio/voice", data=MultiDict(pairs), headers={"X-Twilio-Signature": signature}
    )
    assert ok.status_code == 200
    dropped = client.post(
        "/twilio/voice",
        data=MultiDict([*CALL.items(), ("Tag", "b")]),
        headers={"X-Twilio-Signature": signature},
    )
    assert dropped.status_code == 403


def test_secondary_token_is_accepted_during_rotation(app, session, directory) -> None:
    settings = app.config["SETTINGS"]
    app.config["SETTINGS"] = settings.with_overrides(twilio_auth_token_secondary="next-token")
    signature = sign(PUBLIC_BASE_URL + "/twilio/voice", CALL, token="next-token")
    response = app.test_client().post(
        "/twilio/voice", data=CALL, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 200
    assert session.scalar(select(func.count()).select_from(Call)) == 1


def test_garbage_signature_header_is_refused_not_crashed(client, session) -> None:
    response = client.post(
        "/twilio/voice", data=CALL, headers={"X-Twilio-Signature": "\u00ff" * 500}
    )
    assert response.status_code == 403
    _nothing_written(session)
