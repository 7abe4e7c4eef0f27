"""The wrapper every Twilio route shares: signature, idempotency, one commit, never a 500."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache, wraps
from typing import Any

from flask import Request, Response, g, request
from prometheus_client import Histogram
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse

from ivr.twiml_text import twiml_text
from webhooks import params
from webhooks.receipts import (
    Keys,
    StoredAnswer,
    earlier_answer,
    keep_answer,
    receipts_of,
    request_key,
    step_key,
    stored_answer,
)
from webhooks.security import twilio_signed

log = logging.getLogger(__name__)

# Per process (each gunicorn worker counts its own; Prometheus sums the scrapes). Twilio
# waits 15 s for an answer; a caller hears silence long before that.
WEBHOOK_SECONDS = Histogram(
    "intake_webhook_seconds",
    "Time to answer a Twilio webhook, by route.",
    ["route"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 15.0),
)

TWIML = "text/xml; charset=utf-8"
# Valid voice and messaging TwiML alike: hang up, or send no reply.
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response />'

# Voice and messaging TwiML alike: the wrapper only needs str() of it.
Document = VoiceResponse | MessagingResponse
View = Callable[..., Document | None]
Failure = Callable[[Any], Document | None]
# A way to answer without the view (None: let the view answer), that keeps its own answer
# and opens the request's session only if it needs one.
Quick = Callable[[Keys, datetime], StoredAnswer | None]


def _respond(body: str, status: int) -> Response:
    if status == 204:
        return Response(status=204)
    return Response(body, status=status, content_type=TWIML)


def _run(
    view: View, req: Request, key: str, kwargs: dict[str, Any], quick: Quick | None
) -> Response:
    step, now = step_key(req), params.now()
    if quick is not None:
        answered = quick(Keys(key, step), now)
        if answered is not None:
            return _respond(answered.body, answered.status_code)
    session = params.session()
    if quick is not None:
        # Not for the quick way: the view runs in a transaction of its own.
        session.close()
    # One look-up for both: a retry, or a replay of a step taken long ago.
    earlier = receipts_of(session, key, step)
    previous = earlier_answer(earlier, key, step, now)
    if previous is not None:
        return _respond(previous.body, previous.status_code)
    result = view(session, **kwargs)
    body, status = (twiml_text(result), 200) if result is not None else ("", 204)
    keep_answer(session, key, req.path, status, body, now=now)
    if step not in earlier:
        keep_answer(session, step, req.path, status, body, now=now)
    session.commit()
    return _respond(body, status)


def twilio_webhook(
    on_failure: Failure, *, quick: Quick | None = None
) -> Callable[[View], Callable[..., Response]]:
    """Wrap a view `(session, **url_args) -> TwiML | None` (None answers 204).

    A failure anywhere is logged and answered with `on_failure(settings)` (safe TwiML,
    or None for a 204), because a 500 makes Twilio play an error to the caller. `quick`,
    if given, is tried first: it answers (and keeps its answer) itself, or returns None.
    """

    def decorate(view: View) -> Callable[..., Response]:
        @twilio_signed
        @wraps(view)
        def handler(**kwargs: Any) -> Response:
            started = time.perf_counter()
            try:
                return _handle(view, on_failure, kwargs, quick)
            finally:
                # The rule, not the path: ticket numbers in paths would explode the labels.
                rule = request.url_rule
                _timer(rule.rule if rule else "unknown").observe(time.perf_counter() - started)

        return handler

    return decorate


@lru_cache(maxsize=256)
def _timer(route: str) -> Any:
    """The route's histogram: `labels()` checks and looks up its arguments at every call."""
    return WEBHOOK_SECONDS.labels(route=route)


def _ids() -> dict[str, str]:
    """The request's Twilio ids, for structured logs (`extra=`)."""
    found = {"call_sid": params.form("CallSid", 64), "message_sid": params.form("MessageSid", 64)}
    return {name: value for name, value in found.items() if value}


def _handle(
    view: View, on_failure: Failure, kwargs: dict[str, Any], quick: Quick | None
) -> Response:
    req = params.this_request()
    key = request_key(req)
    try:
        return _run(view, req, key, kwargs, quick)
    except IntegrityError:
        # The same request is being handled concurrently: answer as it did.
        session = params.session()
        session.rollback()
        try:
            previous = stored_answer(session, key)
        except Exception:
            previous = None
        if previous is not None:
            return _respond(previous.body, previous.status_code)
        log.exception("conflict handling Twilio request to %s", request.path, extra=_ids())
    except Exception as exc:
        log.exception("failed handling Twilio request to %s", request.path, extra=_ids())
        g.twilio_failure = exc
    return _fail(params.session(), on_failure)


def failure_of_request() -> BaseException | None:
    """The exception that made this request fall back to its safe answer, if one did."""
    return g.get("twilio_failure")


def _fail(session: Session, on_failure: Failure) -> Response:
    try:
        session.rollback()
    except Exception:
        log.exception("rollback failed")
    try:
        answer = on_failure(params.settings())
    except Exception:
        # The safe answer itself failed: an empty <Response/> still beats a 500.
        log.exception("failure answer failed for %s", request.path)
        return Response(EMPTY_TWIML, status=200, content_type=TWIML)
    if answer is None:
        return Response(status=204)
    return Response(twiml_text(answer), status=200, content_type=TWIML)
