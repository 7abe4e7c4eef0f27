"""The service's health as a load balancer or a monitor reads it: a few indexed queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from ticketing.models import OutboxChannel, OutboxKind, OutboxMessage, OutboxStatus
from ticketing.monitoring.heartbeat import STALE_AFTER, beat_age

# A page is due the moment it is written and the relay sends it within a second; two
# minutes unsent means Twilio or the relay is failing, and a technician is not woken.
PAGE_WAIT_LIMIT = timedelta(seconds=120)
PAGE_CHANNELS = (OutboxChannel.SMS, OutboxChannel.CALL)


@dataclass(frozen=True)
class Check:
    """One check: passed or not, how old what it looked at is, and why it failed."""

    ok: bool
    age_seconds: float | None = None
    detail: str = ""

    def as_dict(self) -> dict[str, object]:
        """The check as the health endpoint's JSON shows it."""
        shown: dict[str, object] = {"ok": self.ok, "age_seconds": self.age_seconds}
        if self.detail:
            shown["detail"] = self.detail
        return shown


@dataclass(frozen=True)
class Health:
    """Every check by name; healthy only when all passed."""

    checks: dict[str, Check] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Every check passed."""
        return all(check.ok for check in self.checks.values())

    def as_dict(self) -> dict[str, object]:
        """`{"status": "ok"|"degraded", "checks": {...}}`."""
        return {
            "status": "ok" if self.ok else "degraded",
            "checks": {name: check.as_dict() for name, check in self.checks.items()},
        }


def oldest_due_page_age(session: Session, now: datetime) -> float | None:
    """Seconds the oldest due and unsent page (text or call) has waited, or None."""
    oldest = session.scalar(
        select(func.min(OutboxMessage.next_attempt_at)).where(
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.next_attempt_at <= now,
            OutboxMessage.kind == OutboxKind.PAGE,
            OutboxMessage.channel.in_(PAGE_CHANNELS),
        )
    )
    return None if oldest is None else max((now - oldest).total_seconds(), 0.0)


def check_health(session: Session, now: datetime) -> Health:
    """The database, the scheduler's heartbeat and the oldest due page."""
    try:
        session.execute(text("SELECT 1"))
    except Exception as exc:
        session.rollback()
        reason = f"database unreachable: {type(exc).__name__}"
        return Health({"database": Check(False, detail=reason)})
    age = beat_age(session, now)
    if age is None:
        scheduler = Check(False, None, "the scheduler has never beaten")
    elif age > STALE_AFTER.total_seconds():
        scheduler = Check(False, round(age, 1), "the scheduler's heartbeat is stale")
    else:
        scheduler = Check(True, round(age, 1))
    waited = oldest_due_page_age(session, now)
    if waited is not None and waited > PAGE_WAIT_LIMIT.total_seconds():
        pages = Check(False, round(waited, 1), "a due page has waited too long")
    else:
        pages = Check(True, None if waited is None else round(waited, 1))
    return Health({"database": Check(True, 0.0), "scheduler": scheduler, "pages": pages})
