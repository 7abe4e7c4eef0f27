"""Ticket events POSTed to registered endpoints, signed per Standard Webhooks.

Each delivery carries `webhook-id` (the same on every retry, so a receiver can drop
repeats), `webhook-timestamp` (when this try was signed) and `webhook-signature`
(HMAC-SHA256 with the endpoint's own `whsec_` secret). Only SendErrors leave here: any
non-2xx answer or network trouble is retried by the relay with its back-off.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol

import requests
from sqlalchemy import orm
from sqlalchemy.orm import Session
from standardwebhooks import Webhook

from scheduler.errors import PermanentSendError, TransientSendError
from ticketing.integrations.endpoints import signing_target

TIMEOUT_SECONDS = 10.0


class Poster(Protocol):
    """What the relay needs to deliver a ticket event."""

    def post(self, endpoint_id: int, message_id: str, body: str) -> str:
        """Deliver one event; return its webhook id once the endpoint answered 2xx."""
        ...


class SignedPoster:
    """Signs with the endpoint's secret (read at send time) and POSTs with requests."""

    def __init__(
        self, sessionmaker: orm.sessionmaker[Session], *, timeout: float = TIMEOUT_SECONDS
    ) -> None:
        self.sessionmaker = sessionmaker
        self.timeout = timeout

    def post(self, endpoint_id: int, message_id: str, body: str) -> str:
        """Sign and POST `body`; a 2xx is success, anything else a SendError."""
        with self.sessionmaker() as session:
            target = signing_target(session, endpoint_id)
        if target is None:
            raise PermanentSendError(f"webhook endpoint {endpoint_id} was removed")
        url, secret = target
        now = datetime.now(UTC)
        headers = {
            "content-type": "application/json",
            "webhook-id": message_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": Webhook(secret).sign(message_id, now, body),
        }
        try:
            answer = requests.post(url, data=body.encode(), headers=headers, timeout=self.timeout)
        except requests.exceptions.RequestException as exc:
            raise TransientSendError(f"{type(exc).__name__}: {exc}") from exc
        if 200 <= answer.status_code < 300:
            return message_id
        # 410 Gone is the scheme's "stop sending"; every other answer may pass.
        error = PermanentSendError if answer.status_code == 410 else TransientSendError
        raise error(f"HTTP {answer.status_code} from {url}", str(answer.status_code))
