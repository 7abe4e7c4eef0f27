"""Idempotent webhooks: the answer to a request is stored with its effects; a retry gets it back.

Twilio retries a request it thinks failed (same parameters, same URL, and the same
I-Twilio-Idempotency-Token header). The key is a hash of the path, query, that token
and the parameters exactly as Twilio signs them (each name once, its distinct values
sorted), so the retry of a step, even one with a parameter repeated, finds the receipt
written in the same transaction as the step's effects, and nothing happens twice. A
caller (or technician) who does the same step with the same keys again in one call
sends the same parameters under a new token: a second step, not a retry.

The token is not covered by Twilio's signature, so a captured signed request could be
sent again under a token of one's own. Each step is therefore also kept under a key of its
parameters alone (`step_key`): the same step again is a new step only while its call can
still be live (Twilio ends every call within four hours); after that it is a replay, and
gets the answer the step had, changing nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from flask import Request
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ticketing.models import WebhookReceipt

# Twilio sends it with every webhook; a retry carries the token of the request it repeats.
IDEMPOTENCY_HEADER = "I-Twilio-Idempotency-Token"
# The longest a Twilio call lasts (its time limit's ceiling): no step repeats after it.
LONGEST_CALL = timedelta(hours=4)


@dataclass(frozen=True)
class StoredAnswer:
    """A response given before."""

    status_code: int
    body: str


@dataclass(frozen=True)
class Keys:
    """The two keys a request's answer is kept under: its own, and its step's."""

    request: str
    step: str


def request_key(req: Request) -> str:
    """A digest of the path, query, Twilio's idempotency token and the parameters as the
    signature covers them: a retry of this very request has the same."""
    token = req.headers.get(IDEMPOTENCY_HEADER, "")[:200].encode("utf-8", "surrogatepass")
    return _digest(req, b"request\0" + len(token).to_bytes(8, "big") + token)


def step_key(req: Request) -> str:
    """A digest of the path, query and parameters alone: the same step, whatever its token."""
    return _digest(req, b"step\0")


def _digest(req: Request, prefix: bytes) -> str:
    digest = hashlib.sha256(prefix)
    digest.update(req.path.encode())
    digest.update(b"?" + req.query_string)
    digest.update(_parameters(req))
    return digest.hexdigest()


_PARAMETERS = "intake.signed_parameters"


def _parameters(req: Request) -> bytes:
    """The parameters as the signature covers them, encoded once per request (both keys
    hash them)."""
    found = req.environ.get(_PARAMETERS)
    if found is not None:
        return found
    parts = []
    # RequestValidator.compute_signature signs sorted(set(names)) and, per name,
    # sorted(set(values)): requests it cannot tell apart must share one key.
    for name, values in sorted(req.form.lists()):
        # Twilio sends each name once: a set and a sort of one value would change nothing.
        for value in values if len(values) == 1 else sorted(set(values)):
            # Lengths keep name/value boundaries unambiguous (the signature has none).
            for part in (name, value):
                encoded = part.encode("utf-8", "surrogatepass")
                parts.append(len(encoded).to_bytes(8, "big") + encoded)
    found = req.environ[_PARAMETERS] = b"".join(parts)
    return found


def receipts_of(session: Session, *keys: str) -> dict[str, WebhookReceipt]:
    """The receipts already kept under any of `keys` (a request's and its step's), by key."""
    rows = session.scalars(select(WebhookReceipt).where(WebhookReceipt.key.in_(keys)))
    return {row.key: row for row in rows}


class Kept(Protocol):
    """A kept answer as any look-up returns it."""

    status_code: int
    body: str
    created_at: datetime


def replayed(first_taken: Kept | None, now: datetime) -> bool:
    """Whether a step first taken as `first_taken` is, coming again now, a replay: no call
    lasts long enough for the caller to be doing it again."""
    return first_taken is not None and now - first_taken.created_at > LONGEST_CALL


def earlier_answer(earlier: Mapping[str, Kept], key: str, step: str, now: datetime) -> Kept | None:
    """The answer to give again, from the receipts kept under a request's key and its step's:
    this very request answered before (a retry), or its step first taken longer ago than
    any call lasts (a replay)."""
    return earlier.get(key) or (earlier[step] if replayed(earlier.get(step), now) else None)


def answer_of(row: WebhookReceipt) -> StoredAnswer:
    """The response a receipt keeps."""
    return StoredAnswer(row.status_code, row.body)


def stored_answer(session: Session, key: str) -> StoredAnswer | None:
    """The answer already given to this request, if any."""
    row = session.scalar(select(WebhookReceipt).where(WebhookReceipt.key == key))
    return answer_of(row) if row else None


# Twilio retries within seconds to minutes; a week of receipts is ample.
KEEP_RECEIPTS = timedelta(days=7)


def keep_answer(
    session: Session,
    key: str,
    path: str,
    status_code: int,
    body: str,
    *,
    now: datetime,
) -> None:
    """Store the answer in the same transaction as the effects it reports."""
    receipt = WebhookReceipt(
        key=key, path=path[:200], status_code=status_code, body=body, created_at=now
    )
    session.add(receipt)


def prune_receipts(session: Session, now: datetime) -> int:
    """Sweep: forget answers old enough that no retry of them can still arrive."""
    result = session.execute(
        delete(WebhookReceipt).where(WebhookReceipt.created_at < now - KEEP_RECEIPTS)
    )
    return result.rowcount or 0
