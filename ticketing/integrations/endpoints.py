"""Registering, listing and removing the endpoints that receive ticket events."""

from __future__ import annotations

import base64
import secrets
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing.errors import DomainError
from ticketing.integrations.models import WebhookEndpoint

SECRET_PREFIX = "whsec_"
MAX_URL = 254


def new_secret() -> str:
    """A Standard Webhooks signing secret: whsec_ and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def add_endpoint(session: Session, url: str, *, now: datetime) -> WebhookEndpoint:
    """Register `url` with a fresh secret (the caller shows the secret once, then commits)."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise DomainError(f"{url!r} is not a web address; give one like https://example.com/hook")
    if len(url) > MAX_URL:
        raise DomainError(f"the address is {len(url)} characters long; at most {MAX_URL}")
    if url in {e.url for e in active_endpoints(session)}:
        raise DomainError(f"{url} already receives ticket events")
    endpoint = WebhookEndpoint(url=url, secret=new_secret(), created_at=now)
    session.add(endpoint)
    session.flush()
    return endpoint


def active_endpoints(session: Session) -> list[WebhookEndpoint]:
    """The endpoints that receive events, oldest first."""
    stmt = (
        select(WebhookEndpoint)
        .where(WebhookEndpoint.removed_at.is_(None))
        .order_by(WebhookEndpoint.id)
    )
    return list(session.scalars(stmt))


def remove_endpoint(session: Session, endpoint_id: int, *, now: datetime) -> WebhookEndpoint:
    """Stop sending events to an endpoint; deliveries already owed to it fail at send."""
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.removed_at is not None:
        raise DomainError(f"no webhook endpoint {endpoint_id}; `intake webhooks list` shows them")
    endpoint.removed_at = now
    return endpoint


def signing_target(session: Session, endpoint_id: int) -> tuple[str, str] | None:
    """(URL, secret) of an endpoint still in use, for the relay that signs a delivery."""
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.removed_at is not None:
        return None
    return endpoint.url, endpoint.secret
