"""Forged, replayed and odd Twilio signatures against the real routes: what Twilio can send
passes, anything else gets 403 and changes nothing (no ticket, call, receipt or page)."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict

from intake.config import ConfigError, load_settings
from tests.support.intruders import drill_app, methods
from tests.support.people import JANE
from tests.support.twilio import AUTH_TOKEN, PUBLIC_BASE_URL
from ticketing.models import Call, OutboxMessage, Ticket, WebhookReceipt
from ticketing.paging.models import InboundMessage
from webhooks.security import signature_valid

CALL = [
    ("CallSid", "CA" + "7" * 32),
    ("AccountSid", "AC" + "5a" * 16),
    ("From", JANE),
    ("Caller", JANE),
    ("To", "+18888991911"),
    ("CallStatus", "ringing"),
    ("Direction", "inbound"),
]
VOICE = "/twilio/voice"
# twilio-python's own test vector (docs/twilio.md).
VECTOR_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
VECTOR_PARAMS = [
    ("CallSid", "CA1234567890ABCDE"),
    ("Caller", "+14158675309"),
    ("Digits", "1234"),
    ("From", "+14158675309"),
    ("To", "+18005551212"),
]
VECTOR_SIGNATURE = "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def signature(url: str, pairs: list[tuple[str, str]], token: str = AUTH_TOKEN) -> str:
    """What Twilio sends for a POST of `pairs` (repeated keys included) to `url`."""
    return RequestValidator(token).compute_signature(url, MultiDict(pairs))


def post(client, path: str, pairs: list[tuple[str, str]], sig: str | None, **kwargs):
    """POST the pairs form-encoded in exactly this order, with this X-Twilio-Signature."""
    headers = dict(kwargs.pop("headers", {}))
    if sig is not None:
        headers["X-Twilio-Signature"] = sig
    return client.post(
        path,
        data=urlencode(pairs),
        content_type="application/x-www-form-urlencoded",
        headers=headers,
        **kwargs,
    )


def written(session) -> dict[str, int]:
    """How many rows a webhook could have written."""
    session.expire_all()
    models = (Ticket, Call, WebhookReceipt, OutboxMessage, InboundMessage)
    return {m.__tablename__: session.scalar(select(func.count()).select_from(m)) for m in models}


def nothing_written(session) -> None:
    assert set(written(session).values()) == {0}, written(session)


def accepted(response, session) -> None:
    """A call really came in: 200 TwiML, one ticket and its receipts (the request's answer,
    and when its step was first taken)."""
    assert response.status_code == 200, response.data
    counts = written(session)
    assert counts["tickets"] == 1 and counts["webhook_receipts"] == 2, counts


# --- the published vector through our own check -------------------------------------


@pytest.mark.parametrize(
    ("path", "base", "tokens", "pairs", "valid"),
    [
        ("/myapp.php?foo=1&bar=2", "https://mycompany.com", ("12345",), VECTOR_PARAMS, True),
        ("/myapp.php?foo=1&bar=2", "https://mycompany.com/", ("12345",), VECTOR_PARAMS, True),
        ("/myapp.php?foo=1&bar=2", "https://mycompany.com:443", ("12345",), VECTOR_PARAMS, True),
        ("/myapp.php?foo=1&bar=2", "https://mycompany.com", ("x", "12345"), VECTOR_PARAMS, True),
        ("/myapp.php?foo=1&bar=2", "https://mycompany.com", ("12345",), VECTOR_PARAMS[::-1], True),
        ("/myapp.php?foo=1&bar=2", "http://mycompany.com", ("12345",), VECTOR_PARAMS, False),
        ("/myapp.php?foo=1&bar=2", "https://www.mycompany.com", ("12345",), VECTOR_PARAMS, False),
        ("/myapp.php?foo=1&bar=2", "https://mycompany.com", ("12346",), VECTOR_PARAMS, False),
        ("/myapp.php?foo=1&bar=2", "https://mycompany.com", (), VECTOR_PARAMS, False),
        ("/myapp.php?bar=2&foo=1", "https://mycompany.com", ("12345",), VECTOR_PARAMS, False),
        ("/myapp.php?foo=1", "https://mycompany.com", ("12345",), VECTOR_PARAMS, False),
        ("/myapp.php/?foo=1&bar=2", "https://mycompany.com", ("12345",), VECTOR_PARAMS, False),
        ("/myapp.php?foo=1&bar=2", "https://mycompany.com", ("12345",), VECTOR_PARAMS[1:], False),
        (
            "/myapp.php?foo=1&bar=2",
            "https://mycompany.com",
            ("12345",),
            [*VECTOR_PARAMS, ("Digits", "5")],
            False,
        ),
    ],
)
def test_twilio_test_vector_through_our_check(app, path, base, tokens, pairs, valid) -> None:
    with app.test_request_context(
        path,
        method="POST",
        data=urlencode(pairs),
        content_type="application/x-www-form-urlencoded",
        headers={"X-Twilio-Signature": VECTOR_SIGNATURE},
    ):
        from flask import request

        assert signature_valid(request, base, tokens) is valid


# --- forged requests to the real routes -----------------------------------------------


def test_every_twilio_route_refuses_unsigned_and_forged_posts(app, client, session) -> None:
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/twilio/")]
    assert len(rules) >= 20
    for rule in rules:
        values = {name: (1 if name != "call_sid" else "CA" + "1" * 32) for name in rule.arguments}
        path = app.url_map.bind("localhost").build(rule.endpoint, values)
        assert methods(rule) == ["POST"], rule.rule  # Twilio only ever POSTs to us
        forged = signature(PUBLIC_BASE_URL + path, CALL, token="not-our-token")
        for sig in (None, "", forged):
            assert post(client, path, CALL, sig).status_code == 403, (path, sig)
        assert client.get(path).status_code == 405
    nothing_written(session)


def test_a_wrong_token_is_refused(client, session, directory) -> None:
    for token in ("not-our-token", AUTH_TOKEN.upper(), AUTH_TOKEN + " ", AUTH_TOKEN[:-1], ""):
        assert (
            post(client, VOICE, CALL, signature(PUBLIC_BASE_URL + VOICE, CALL, token)).status_code
            == 403
        )
    nothing_written(session)


@pytest.mark.parametrize(
    ("signed_path", "posted_path"),
    [
        ("/twilio/voice/status", VOICE),
        ("/twilio/sms", VOICE),
        ("/twilio/voice/", VOICE),
        ("/Twilio/Voice", VOICE),
        (VOICE + "?x=1", VOICE),
        (VOICE, VOICE + "?x=1"),
        (VOICE + "?a=1&b=2", VOICE + "?b=2&a=1"),
        (VOICE + "?a=1", VOICE + "?a=2"),
        ("/twilio/voice/account/1", "/twilio/voice/account/2"),
    ],
)
def test_a_signature_for_another_url_is_refused(
    client, session, directory, signed_path, posted_path
) -> None:
    forged = signature(PUBLIC_BASE_URL + signed_path, CALL)
    assert post(client, posted_path, CALL, forged).status_code == 403
    nothing_written(session)


def test_a_signature_for_the_same_query_is_accepted(client, session, directory) -> None:
    path = VOICE + "?a=1&b=2"
    accepted(post(client, path, CALL, signature(PUBLIC_BASE_URL + path, CALL)), session)


def test_reordered_parameters_still_pass_because_twilio_sorts(client, session, directory) -> None:
    sig = signature(PUBLIC_BASE_URL + VOICE, CALL)
    accepted(post(client, VOICE, CALL[::-1], sig), session)
    # The same call again in yet another order is a retry: answered once, nothing doubled.
    again = post(client, VOICE, sorted(CALL), sig)
    assert again.status_code == 200
    assert written(session)["tickets"] == 1


def test_repeated_keys_count_every_value(client, session, directory) -> None:
    both = [*CALL, ("ForwardedFrom", "+13365550001"), ("ForwardedFrom", "+13365550002")]
    only_first = [*CALL, ("ForwardedFrom", "+13365550001")]
    # Signed once (the first value only) but sent twice: refused.
    assert (
        post(client, VOICE, both, signature(PUBLIC_BASE_URL + VOICE, only_first)).status_code == 403
    )
    # Signed with both, one dropped on the way: refused.
    sig_both = signature(PUBLIC_BASE_URL + VOICE, both)
    assert post(client, VOICE, only_first, sig_both).status_code == 403
    # Signed with the values in the other order: Twilio sorts values too.
    swapped = [*CALL, ("ForwardedFrom", "+13365550002"), ("ForwardedFrom", "+13365550001")]
    assert sig_both == signature(PUBLIC_BASE_URL + VOICE, swapped)
    nothing_written(session)
    accepted(post(client, VOICE, swapped, sig_both), session)


def test_missing_empty_and_garbage_signatures_are_refused(client, session, directory) -> None:
    other = [*CALL[:2], ("From", "+13365550999"), *CALL[3:]]
    right_length = signature(PUBLIC_BASE_URL + VOICE, other)
    valid = signature(PUBLIC_BASE_URL + VOICE, CALL)
    assert len(right_length) == len(valid) == 28
    for sig in (
        None,
        "",
        " ",
        "!!!!not-base64!!!!",
        "=",
        "A" * 28,
        right_length,
        valid.lower(),
        valid[:-1],
        valid + "=",
        " " + valid,
        valid + "\t",
        "x" * 100_000,
        "\u00e9" * 28,
    ):
        assert post(client, VOICE, CALL, sig).status_code == 403, sig
    nothing_written(session)
    accepted(post(client, VOICE, CALL, valid), session)


# --- behind a proxy, and the ports Twilio may or may not put in the URL -----------------


def test_behind_a_tls_proxy_only_the_public_https_url_counts(
    settings, database, clock, session, directory
) -> None:
    app = drill_app(settings, database, clock, trust_proxy_hops=1)
    client = app.test_client()
    https = signature(PUBLIC_BASE_URL + VOICE, CALL)
    http = signature(PUBLIC_BASE_URL.replace("https://", "http://") + VOICE, CALL)
    evil = signature("https://evil.example.com" + VOICE, CALL)
    for proto in ("https", "http"):
        for host in ("intake.example.com", "evil.example.com"):
            headers = {
                "X-Forwarded-Proto": proto,
                "X-Forwarded-For": "54.172.60.1",
                "X-Forwarded-Host": host,
                "Host": host,
            }
            for forged in (http, evil):
                assert post(client, VOICE, CALL, forged, headers=headers).status_code == 403
    nothing_written(session)
    seen_as_http = {"X-Forwarded-Proto": "http", "X-Forwarded-For": "54.172.60.1"}
    accepted(post(client, VOICE, CALL, https, headers=seen_as_http), session)


@pytest.mark.parametrize(
    ("public_base_url", "signed_base", "ok"),
    [
        ("https://intake.example.com", "https://intake.example.com", True),
        ("https://intake.example.com", "https://intake.example.com:443", True),
        ("https://intake.example.com", "https://intake.example.com:80", False),
        ("https://intake.example.com", "https://intake.example.com:8443", False),
        ("https://intake.example.com", "http://intake.example.com", False),
        ("https://intake.example.com", "http://intake.example.com:443", False),
        ("https://intake.example.com:443", "https://intake.example.com", True),
        ("https://intake.example.com:443", "https://intake.example.com:443", True),
        ("https://intake.example.com:443", "https://intake.example.com:8443", False),
        ("https://intake.example.com:8443", "https://intake.example.com:8443", True),
        # Twilio has signed requests to a non-default port without the port
        # (twilio/twilio-python#402, #477; twilio-node#411): accepted, as twilio-python does.
        ("https://intake.example.com:8443", "https://intake.example.com", True),
        ("https://intake.example.com:8443", "https://intake.example.com:443", False),
        ("https://intake.example.com:8443", "https://intake.example.com:9443", False),
        ("http://intake.example.com", "http://intake.example.com:80", True),
        ("http://intake.example.com", "http://intake.example.com:443", False),
        ("http://intake.example.com", "https://intake.example.com", False),
    ],
)
def test_default_ports_present_or_absent(
    settings, database, clock, session, directory, public_base_url, signed_base, ok
) -> None:
    app = drill_app(settings, database, clock, public_base_url=public_base_url)
    response = post(app.test_client(), VOICE, CALL, signature(signed_base + VOICE, CALL))
    if ok:
        accepted(response, session)
    else:
        assert response.status_code == 403
        nothing_written(session)


# --- auth-token rotation ----------------------------------------------------------------


def test_rotation_accepts_both_tokens_then_only_the_new_one(
    settings, database, clock, session, directory
) -> None:
    during = drill_app(
        settings,
        database,
        clock,
        twilio_auth_token="new-token",
        twilio_auth_token_secondary=AUTH_TOKEN,
    )
    new_call = [("CallSid", "CA" + "8" * 32), *CALL[1:]]
    old_sig = signature(PUBLIC_BASE_URL + VOICE, CALL, AUTH_TOKEN)
    new_sig = signature(PUBLIC_BASE_URL + VOICE, new_call, "new-token")
    stranger = signature(PUBLIC_BASE_URL + VOICE, CALL, "someone-elses-token")
    assert post(during.test_client(), VOICE, CALL, stranger).status_code == 403
    nothing_written(session)
    assert post(during.test_client(), VOICE, CALL, old_sig).status_code == 200
    assert post(during.test_client(), VOICE, new_call, new_sig).status_code == 200
    assert written(session)["tickets"] == 2
    after = drill_app(settings, database, clock, twilio_auth_token="new-token")
    late = [("CallSid", "CA" + "9" * 32), *CALL[1:]]
    late_old = signature(PUBLIC_BASE_URL + VOICE, late, AUTH_TOKEN)
    assert post(after.test_client(), VOICE, late, late_old).status_code == 403
    assert written(session)["tickets"] == 2
    late_new = signature(PUBLIC_BASE_URL + VOICE, late, "new-token")
    assert post(after.test_client(), VOICE, late, late_new).status_code == 200


def test_rotation_is_read_from_the_environment(tmp_path) -> None:
    env = {
        "INTAKE_INSTANCE_PATH": str(tmp_path),
        "SECRET_KEY": "a-test-secret-key-of-32-characters",
        "TWILIO_AUTH_TOKEN": "primary",
        "TWILIO_AUTH_TOKEN_SECONDARY": "secondary",
    }
    assert load_settings(env).auth_tokens == ("primary", "secondary")
    assert load_settings({**env, "TWILIO_AUTH_TOKEN_SECONDARY": ""}).auth_tokens == ("primary",)
    assert load_settings({**env, "TWILIO_AUTH_TOKEN_SECONDARY": "  "}).auth_tokens == ("primary",)


def test_a_blank_auth_token_is_refused_at_start(tmp_path) -> None:
    """A token of spaces would make every signature made with an empty key valid."""
    env = {
        "INTAKE_INSTANCE_PATH": str(tmp_path),
        "SECRET_KEY": "a-test-secret-key-of-32-characters",
        "TWILIO_AUTH_TOKEN": "  ",
    }
    with pytest.raises(ConfigError):
        load_settings(env)


def test_an_empty_token_never_validates(settings, database, clock, session, directory) -> None:
    """Even if settings were built by hand with an empty token, an empty-key HMAC fails."""
    app = drill_app(settings, database, clock, twilio_auth_token="", twilio_auth_token_secondary="")
    forged = signature(PUBLIC_BASE_URL + VOICE, CALL, "")
    assert post(app.test_client(), VOICE, CALL, forged).status_code == 403
    nothing_written(session)


def test_every_service_needs_its_own_token(tmp_path) -> None:
    """The sandbox token is public (it is in the source): only the demo may use it; outside
    demo mode a token is required even on loopback."""
    env = {
        "INTAKE_INSTANCE_PATH": str(tmp_path),
        "SECRET_KEY": "a-test-secret-key-of-32-characters",
    }
    public = {**env, "PUBLIC_BASE_URL": "https://support.example.com"}
    with pytest.raises(ConfigError, match="TWILIO_AUTH_TOKEN must be set"):
        load_settings(public)
    assert load_settings({**public, "TWILIO_AUTH_TOKEN": "real"}).auth_tokens == ("real",)
    with pytest.raises(ConfigError, match="TWILIO_AUTH_TOKEN must be set"):
        load_settings(env)
    assert load_settings(public, demo=True).sandbox
