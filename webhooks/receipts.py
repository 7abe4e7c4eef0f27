"""Idempotent webhooks: the answer to a request is stored with its effects; a retry gets it back.

Twilio retries a request it thinks failed (same parameters, same URL, and the same
I-Twilio-Idempotency-Token header). The key is a hash of the path, query, that token
and the parameters exactly as Twilio signs them (each name once, its distinct values
sorted), so the retry of a step, even one with a parameter repeated, finds the receipt
written in the same transaction as the step's effects, and nothing happens twice. A
caller (or technician) who does the same step with the same keys again in one call
sends the same parameters under a new token: a second step, not a retry.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Request
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ticketing.models import WebhookReceipt

# Twilio sends it with every webhook; a retry carries the token of the request it repeats.
IDEMPOTENCY_HEADER = "I-Twilio-Idempotency-Token"


@dataclass(frozen=True)
class StoredAnswer:
    """A response given before."""

    status_code: int
    body: str


def request_key(req: Request) -> str:
    """A digest of the path, query and parameters as the signature covers them."""
    digest = hashlib.sha256()
    digest.update(req.path.encode())
    digest.update(b"?" + req.query_string)
    # Not signed, so a forger could change it; but replaying a signed request changes
    # nothing the domain has not already made idempotent (CallSid, MessageSid, dedupe keys).
    token = req.headers.get(IDEMPOTENCY_HEADER, "")[:200].encode("utf-8", "surrogatepass")
    digest.update(len(token).to_bytes(8, "big") + token)
    # RequestValidator.compute_signature signs sorted(set(names)) and, per name,
    # sorted(set(values)): requests it cannot tell apart must share one key.
    for name in sorted(set(req.form.keys())):
        for value in sorted(set(req.form.getlist(name))):
            # Lengths keep name/value boundaries unambiguous (the signature has none).
            for part in (name, value):
                encoded = part.encode("utf-8", "surrogatepass")
                digest.update(len(encoded).to_bytes(8, "big") + encoded)
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
