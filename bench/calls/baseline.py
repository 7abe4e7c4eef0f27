"""The webhook profile's baseline, measured in the same run: a bare Flask app that checks
Twilio's signature with `RequestValidator` and answers a fixed TwiML document, given the
first webhook's own signed request. It is what any signed Flask webhook costs on this
machine in these minutes, so a slow machine is told apart from a slow service: the
first webhook's CPU is also shown as a multiple of it."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask, Response, abort, request
from twilio.request_validator import RequestValidator
from twilio.twiml.voice_response import VoiceResponse

from bench.calls.counting import WsgiApp, answered
from bench.load import Signer, prepare

PATH = "/twilio/voice"


def bare_webhook(auth_token: str, public_base_url: str) -> Flask:
    """A Flask app with one signed webhook at PATH, answering the same TwiML every time."""
    app = Flask("bench.calls.baseline")
    validator = RequestValidator(auth_token)
    document = VoiceResponse()
    document.say("Thank you for calling. After the tone, please say what is wrong.")
    document.record(action="/twilio/voice/recorded", max_length=120, finish_on_key="#")
    answer = str(document)

    @app.post(PATH)
    def voice() -> Response:
        signature = request.headers.get("X-Twilio-Signature", "")
        if not validator.validate(public_base_url + PATH, request.form, signature):
            abort(403)
        return Response(answer, content_type="text/xml")

    return app


class Timed:
    """WSGI middleware: the process CPU of each request, body included, into `cpu`."""

    def __init__(self, wsgi_app: WsgiApp) -> None:
        self.wsgi_app = wsgi_app
        self.cpu: list[float] = []

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        started = time.process_time()
        body = answered(self.wsgi_app, environ, start_response)
        self.cpu.append(time.process_time() - started)
        return body


class Baseline:
    """The bare webhook, and each request's CPU (seconds) when given a first webhook's form."""

    def __init__(self, signer: Signer, auth_token: str) -> None:
        app = bare_webhook(auth_token, signer.base_url)
        self.timed = Timed(app.wsgi_app)
        app.wsgi_app = self.timed  # type: ignore[method-assign]
        self.client = app.test_client()
        self.signer = signer

    def answer(self, params: Mapping[str, str]) -> None:
        """Post `params` to the bare webhook, signed; it must accept them."""
        signed = prepare(self.signer, PATH, params)
        response = self.client.post(PATH, data=signed.body, headers=signed.headers)
        if response.status_code != 200:
            raise RuntimeError(f"the baseline refused a signed request: {response.status_code}")

    @property
    def cpu(self) -> list[float]:
        """The CPU of each request answered so far (seconds)."""
        return self.timed.cpu
