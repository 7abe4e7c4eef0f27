"""How many public access requests are taken in an hour: a few per address and a cap over
all addresses, so the form cannot fill the staff's queue or the outbox.

Every accepted submission counts (stored, a duplicate, or an address that already has an
account), so the answer to the next one never tells which it was. Refused submissions are
not recorded: nothing at all is written once a limit is reached.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ticketing.accounts.models import AccessRequestAttempt
from ticketing.errors import DomainError

WINDOW = timedelta(hours=1)
# An IPv6 subscriber usually holds a whole /64: counting single addresses would let one
# machine change address for every request.
IPV6_PREFIX = 64


class AccessRequestsPaused(DomainError):
    """A submission refused because a limit is reached; nothing of it was kept."""


@dataclass(frozen=True)
class AccessLimits:
    """Submissions taken per WINDOW: from one address, and from all addresses together."""

    per_address: int = 5
    overall: int = 50


# The settings' defaults (ACCESS_REQUESTS_PER_ADDRESS, ACCESS_REQUESTS_PER_HOUR).
DEFAULT_LIMITS = AccessLimits()


def address_key(remote_addr: str | None) -> str:
    """What one requester is counted as: the IPv4 address, or the IPv6 address's /64."""
    raw = (remote_addr or "").strip()
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return raw[:64] or "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, IPV6_PREFIX), strict=False))
    return str(address)


def _recent(session: Session, now: datetime, *where: object) -> int:
    stmt = select(func.count(AccessRequestAttempt.id)).where(
        AccessRequestAttempt.at > now - WINDOW, *where
    )
    return session.scalar(stmt) or 0


def admit(session: Session, key: str, what: str, *, now: datetime, limits: AccessLimits) -> None:
    """Count one more submission from `key`; AccessRequestsPaused (nothing counted) when
    this address, or everyone together, already sent as many `what` as the limits allow."""
    if over_limit(session, key, now=now, limits=limits):
        raise AccessRequestsPaused(f"too many {what} in the last hour")
    count_attempt(session, key, now=now)


def over_limit(session: Session, key: str, *, now: datetime, limits: AccessLimits) -> bool:
    """True when this address, or everyone together, sent as many as the limits allow."""
    if _recent(session, now, AccessRequestAttempt.remote_addr == key) >= limits.per_address:
        return True
    return _recent(session, now) >= limits.overall


def count_attempt(session: Session, key: str, *, now: datetime) -> None:
    """Record an accepted submission; those older than the window are of no more use."""
    session.execute(delete(AccessRequestAttempt).where(AccessRequestAttempt.at <= now - WINDOW))
    session.add(AccessRequestAttempt(remote_addr=key, at=now))
