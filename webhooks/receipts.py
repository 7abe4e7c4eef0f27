"""Idempotent webhooks: the answer to a request is stored with its effects; a retry gets it back.

Twilio retries a request it thinks failed (same parameters, same URL). The key is
a hash of the path, query and every parameter, so the retry of a step finds the
receipt written in the same transaction as the step's effects, and nothing
happens twice.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Request
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ticketing.models import WebhookReceipt


@dataclass(frozen=True)
class StoredAnswer:
    """A response given before."""

    status_code: int
    body: str


def request_key(req: Request) -> str:
    """A digest identifying this exact request (path, query and all parameters)."""
    digest = hashlib.sha256()
    digest.update(req.path.encode())
    digest.update(b"?" + req.query_string)
    for name in sorted(req.form.keys()):
        for value in req.form.getlist(name):
            digest.update(b"\0" + name.encode() + b"=" + value.encode("utf-8", "replace"))
    return digest.hexdigest()


def stored_answer(session: Session, key: str) -> StoredAnswer | None:
    """The answer already given to this request, if any."""
    row = session.scalar(select(WebhookReceipt).where(WebhookReceipt.key == key))
    return StoredAnswer(row.status_code, row.body) if row else None


# Twilio retries within seconds to minutes; a week of receipts is ample.
KEEP_RECEIPTS = timedelta(days=7)


def keep_answer(session: Session, key: str, path: str, status_code: int, body: str) -> None:
    """Store the answer in the same transaction as the effects it reports."""
    session.add(WebhookReceipt(key=key, path=path[:200], status_code=status_code, body=body))


def prune_receipts(session: Session, now: datetime) -> int:
    """Sweep: forget answers old enough that no retry of them can still arrive."""
    result = session.execute(
        delete(WebhookReceipt).where(WebhookReceipt.created_at < now - KEEP_RECEIPTS)
    )
    return result.rowcount or 0
