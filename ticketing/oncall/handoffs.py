"""Hand-off notices: the text that tells a technician their shift is about to start."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing.firm import firm_in
from ticketing.models import OutboxKind, OutboxMessage, OutboxStatus
from ticketing.oncall.shifts import Shift, shifts
from ticketing.outbox import enqueue_sms
from ticketing.sms_text import to_gsm7
from ticketing.wallclock import business_zone, local_label

# A notice goes out this long before the shift; one for a shift that started longer
# ago than NOTICE_LATE is dropped (the scheduler was down; the news is stale).
NOTICE_LEAD = timedelta(minutes=60)
NOTICE_LATE = timedelta(minutes=10)
KEY_PREFIX = "handoff:"


def handoff_text(shift: Shift, firm_name: str, tz: ZoneInfo) -> str:
    """The hand-off notice: who, which role, from when until when, how to acknowledge."""
    until = "until changed" if shift.standing else f"until {local_label(shift.end, tz)}"
    return to_gsm7(
        f"{firm_name}: you are on call ({shift.role}) from {local_label(shift.start, tz)} "
        f"{until}. Pages come from this number; reply ACK <ticket> to acknowledge."
    )


def handoff_notices(
    session: Session,
    now: datetime,
    *,
    timezone: str | ZoneInfo | None = None,
    firm_name: str | None = None,
) -> int:
    """Sweep: text each incoming technician ~60 minutes before their shift, once; how many.

    `timezone` and `firm_name` only word the text (the scheduler binds the settings'
    BUSINESS_TIMEZONE and FIRM_NAME); without them, the zone's default and the session's firm.
    """
    tz = business_zone(timezone)
    firm = firm_name or firm_in(session).name
    margin = timedelta(seconds=1)
    window = shifts(session, now - NOTICE_LATE - margin, now + NOTICE_LEAD + margin)
    ends = {(s.role, s.end): s.technician.id for s in window}
    # A shift already over (set, then replaced seconds later) is no news to anyone.
    current = [shift for shift in window if shift.end > now]
    _cancel_stale(session, {_key(shift) for shift in current})
    sent = 0
    for shift in current:
        due = now - NOTICE_LATE <= shift.start <= now + NOTICE_LEAD
        continuing = ends.get((shift.role, shift.start)) == shift.technician.id
        # Twilio refuses to text someone who replied STOP (21610): nothing to send.
        if not due or continuing or shift.technician.sms_opted_out:
            continue
        key = _key(shift)
        body = handoff_text(shift, firm, tz)
        if enqueue_sms(
            session, None, shift.technician, body, key=key, now=now, kind=OutboxKind.NOTICE
        ):
            sent += 1
    return sent


def _key(shift: Shift) -> str:
    return f"{KEY_PREFIX}{shift.role}:{shift.start.isoformat()}:{shift.technician.id}"


def _cancel_stale(session: Session, live: set[str]) -> None:
    """Cancel hand-off notices still waiting to go whose shift is over or no longer exists
    (someone else was put on call meanwhile): they would announce a shift that never was."""
    waiting = session.scalars(
        select(OutboxMessage)
        .where(
            OutboxMessage.kind == OutboxKind.NOTICE,
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.dedupe_key.startswith(KEY_PREFIX),
        )
        .with_for_update(skip_locked=True)
    )
    for notice in waiting:
        if notice.dedupe_key not in live:
            notice.cancel()
