"""Replaying the local spool (ticketing/calls/spool.py) into tickets once the database is back.

Each entry is applied in a savepoint together with a marker row (a WebhookReceipt keyed
by the entry), in the sweep's transaction: a crash before the commit replays the entry
again, a crash after it finds the marker and skips it. So an entry never opens two
tickets and is never lost. The file is emptied only when every entry in it has its
marker, which the receipts keep for a week (webhooks/receipts.py), far longer than any
entry waits in the file.

Several replayers may read one spool at once (each web process of the host and its
scheduler): the marker's unique key lets one of them apply an entry, and the others find it
replayed.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ticketing.calendar.days import CalendarSettings, business_calendar
from ticketing.calls.intake import (
    call_by_sid,
    complete_intake,
    open_call,
    store_recording,
    store_transcription,
)
from ticketing.calls.spool import SpoolEntry, empty_if_unchanged, read_entries
from ticketing.event_kinds import EventKind
from ticketing.models import Call, WebhookReceipt
from ticketing.timeline import add_event

log = logging.getLogger(__name__)

MARKER_PATH = "spool-replay"
# An entry that still fails after this long is moved to the .rejected file (and logged), so
# that the file can be emptied long before the markers (a week) are pruned.
GIVE_UP_AFTER = timedelta(days=1)


def replay_marker(entry: SpoolEntry) -> str:
    """The receipt key that says this entry is in the database."""
    return hashlib.sha256(b"spool\0" + entry.key.encode()).hexdigest()


def replay_spool(
    session: Session, now: datetime, *, path: Path, calendar_settings: CalendarSettings
) -> int:
    """Sweep: turn spooled calls and messages into tickets (emergencies paged); the number
    of entries replayed. The caller commits."""
    contents = read_entries(path)
    if not contents.entries and not contents.unreadable:
        return 0
    pending = _not_replayed(session, contents.entries)
    # A call's intake is completed (and paged) with its last entry of the pass, so that the
    # page carries the message and its words together.
    last = {entry.call_sid: index for index, entry in enumerate(pending)}
    spoken = {entry.call_sid for entry in pending if entry.kind != "call"}
    replayed, elsewhere, given_up = 0, 0, []
    for index, entry in enumerate(pending):
        complete = index == last[entry.call_sid] and entry.call_sid in spoken
        outcome = _replay_entry(session, entry, now, calendar_settings, complete=complete)
        if outcome is True:
            replayed += 1
        elif outcome is None:
            elsewhere += 1
        elif entry.received_at < now - GIVE_UP_AFTER:
            # One bad entry must not hold back the others; it is tried again next sweep,
            # for a day, then set aside (before the markers of the rest expire).
            given_up.append(entry)
    # Only entries committed already (by an earlier pass, or by another replayer) may leave
    # the file: this pass may yet fail.
    if not replayed and elsewhere + len(given_up) == len(pending):
        empty_if_unchanged(path, contents, set_aside=[e.to_line().rstrip() for e in given_up])
    if replayed:
        log.info("spool: %d entries replayed into tickets", replayed)
    if elsewhere:
        log.info("spool: %d entries replayed meanwhile by another process", elsewhere)
    return replayed


def _replay_entry(
    session: Session,
    entry: SpoolEntry,
    now: datetime,
    calendar_settings: CalendarSettings,
    *,
    complete: bool,
) -> bool | None:
    """Apply one entry with its marker in a savepoint: True when applied, None when another
    replayer committed it first, False when it failed (logged)."""
    try:
        with session.begin_nested():
            _apply(session, entry, now, calendar_settings, complete=complete)
            session.add(
                WebhookReceipt(
                    key=replay_marker(entry), path=MARKER_PATH, status_code=200, body=entry.kind
                )
            )
    except IntegrityError:
        # Another replayer applied it since this pass read the markers: its call's key or the
        # marker's was taken when this one wrote (PostgreSQL waits for that commit first).
        if _has_marker(session, entry):
            log.debug(
                "spool: %s entry of %s replayed meanwhile by another process",
                entry.kind,
                entry.call_sid,
            )
            return None
        log.exception("spool: %s entry of %s not replayed", entry.kind, entry.call_sid)
        return False
    except Exception:
        log.exception("spool: %s entry of %s not replayed", entry.kind, entry.call_sid)
        return False
    return True


def _has_marker(session: Session, entry: SpoolEntry) -> bool:
    marker = replay_marker(entry)
    return session.scalar(select(WebhookReceipt.id).where(WebhookReceipt.key == marker)) is not None


def _not_replayed(session: Session, entries: list[SpoolEntry]) -> list[SpoolEntry]:
    """The entries with no marker yet, each request once (a retried one is spooled twice)."""
    pending: dict[str, SpoolEntry] = {}
    for entry in entries:
        marker = replay_marker(entry)
        if marker not in pending and not _has_marker(session, entry):
            pending[marker] = entry
    return list(pending.values())


def _apply(
    session: Session,
    entry: SpoolEntry,
    now: datetime,
    calendar_settings: CalendarSettings,
    *,
    complete: bool,
) -> None:
    call = _call_of(session, entry, calendar_settings)
    at = f"{entry.received_at.astimezone(UTC):%H:%M:%S} UTC"
    # Spools written before the reason was kept say only that something failed.
    what = entry.reason or "something failed"
    if entry.kind == "call":
        # No page yet: a message may follow; if none does, the stalled-intake sweep pages.
        text = (
            f"{what[0].upper()}{what[1:]} when this call came in ({at}): recovered from the spool."
        )
    elif entry.kind == "message":
        text = f"Message taken after a fault ({at}: {what}), recovered from the local spool."
        if entry.recording_url:
            store_recording(
                session,
                call,
                url=entry.recording_url,
                sid=entry.recording_sid,
                duration=entry.recording_duration,
                now=now,
            )
    else:
        text = f"Transcription received after a fault ({at}), recovered from the local spool."
        store_transcription(
            session,
            call,
            text=entry.transcription_text,
            status=entry.transcription_status,
            now=now,
        )
    add_event(session, call.ticket_id, EventKind.SPOOL_REPLAYED, text, at=now)
    if complete:
        complete_intake(session, call, now=now, how="message taken after a fault (the local spool)")


def _call_of(session: Session, entry: SpoolEntry, calendar_settings: CalendarSettings) -> Call:
    """The entry's call: the one the database already has, or opened as of when it came in."""
    existing = call_by_sid(session, entry.call_sid)
    if existing is not None:
        return existing
    calendar = business_calendar(session, calendar_settings)
    return open_call(
        session,
        call_sid=entry.call_sid,
        from_raw=entry.from_raw,
        to_number=entry.to_number,
        classification=calendar.classify(entry.received_at),
        now=entry.received_at,
    )
