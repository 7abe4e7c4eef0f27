"""The profile's baseline webhook checks Twilio's signature as the service does: a forged
request is refused, so the baseline pays for the same check."""

from __future__ import annotations

import pytest

from bench.calls.baseline import PATH, Baseline, bare_webhook
from bench.calls.callers import ringing
from bench.load import Signer

BASE_URL = "https://intake.bench.invalid"
TOKEN = "baseline-token-of-some-length"
RINGING = ringing("CA" + "1" * 32, "+12025550123", "AC" + "2" * 32)


def test_each_signed_request_is_answered_and_its_cpu_counted() -> None:
    baseline = Baseline(Signer(BASE_URL, TOKEN), TOKEN)
    baseline.answer(RINGING)
    baseline.answer(RINGING)
    assert len(baseline.cpu) == 2
    assert all(seconds > 0 for seconds in baseline.cpu)


def test_a_request_signed_with_another_token_is_refused() -> None:
    baseline = Baseline(Signer(BASE_URL, "someone-elses-token"), TOKEN)
    with pytest.raises(RuntimeError, match="403"):
        baseline.answer(RINGING)


def test_the_answer_is_twiml() -> None:
    signer = Signer(BASE_URL, TOKEN)
    params = RINGING
    response = (
        bare_webhook(TOKEN, BASE_URL)
        .test_client()
        .post(
            PATH,
            data=params,
            headers={"X-Twilio-Signature": signer.headers(PATH, params)["X-Twilio-Signature"]},
        )
    )
    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    assert response.data.startswith(b'<?xml version="1.0" encoding="UTF-8"?><Response><Say>')
