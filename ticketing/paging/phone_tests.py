"""Testing a technician's phone: a test text and a test voice page they confirm (reply OK,
or press 1), so that the firm knows each phone gets pages before a night depends on it.

The technician keeps when their phone last passed and by which ways (`sms`, `voice`), like
a verified contact method; a new test starts a new list, kept once its first way passes.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from ticketing.errors import DomainError
from ticketing.firm import firm_in
from ticketing.models import OutboxChannel, OutboxKind, OutboxMessage, Technician
from ticketing.outbox import enqueue_sms
from ticketing.sms_text import to_gsm7

SMS = "sms"
VOICE = "voice"
WAYS = (SMS, VOICE)
VOICE_PATH = "/twilio/voice/phone-test/{technician_id}"
# A confirmation this long after the test went out is not an answer to it.
ANSWER_WITHIN = timedelta(hours=24)
# What a sleepy thumb types to say "it arrived" ("Ok!", "ok 👍", "YES", "1").
CONFIRMATIONS = frozenset({"ok", "okay", "k", "yes", "y", "yep", "1", "confirm", "confirmed"})
PASSED_REPLY = "Thanks: your phone passed the test. Pages will reach you."


def start_test(session: Session, tech: Technician, *, now: datetime) -> list[OutboxMessage]:
    """Owe `tech` a test text and a test voice page, and wait for their confirmation."""
    if not tech.active:
        raise DomainError(f"{tech.name} is deactivated: reactivate them before testing")
    tech.phone_test_sent_at = now
    firm = firm_in(session)
    key = f"phone-test:{tech.id}:{int(now.timestamp())}"
    owed = []
    if not tech.sms_opted_out:  # Twilio would refuse the text (21610)
        text = to_gsm7(f"TEST from {firm.name}: reply OK to confirm your phone gets pages.")
        sms = enqueue_sms(
            session, None, tech, text, key=f"{key}:sms", now=now, kind=OutboxKind.NOTICE
        )
        owed.append(sms)
    call = OutboxMessage(
        dedupe_key=f"{key}:call",
        technician_id=tech.id,
        kind=OutboxKind.NOTICE,
        channel=OutboxChannel.CALL,
        to_number=tech.phone,
        body=VOICE_PATH.format(technician_id=tech.id),
        next_attempt_at=now,
        created_at=now,
    )
    session.add(call)
    session.flush()
    return [m for m in (*owed, call) if m is not None]


def confirm(session: Session, tech: Technician, way: str, *, now: datetime) -> bool:
    """`tech` answered the test by `way` (sms or voice); False when no test awaits one."""
    sent = tech.phone_test_sent_at
    if sent is None or not sent <= now <= sent + ANSWER_WITHIN:
        return False
    passed = set()
    if tech.phone_verified_at is not None and tech.phone_verified_at >= sent:
        passed = set((tech.phone_verified_by or "").split(","))
    passed.add(way)
    tech.phone_verified_at = now
    tech.phone_verified_by = ",".join(w for w in WAYS if w in passed)
    session.flush()
    return True


def is_confirmation(body: str) -> bool:
    """The whole text says "OK" (or YES, 1, ...), whatever its case, punctuation or emoji."""
    normal = unicodedata.normalize("NFKC", body[:40]).casefold()
    return "".join(ch for ch in normal if ch.isalnum()) in CONFIRMATIONS


def answer_by_text(session: Session, tech: Technician | None, body: str, now: datetime) -> bool:
    """A text from `tech` that confirms their pending phone test (and counts it)."""
    if tech is None or not is_confirmation(body) or not awaits_answer(tech, now):
        return False
    return confirm(session, tech, SMS, now=now)


def awaits_answer(tech: Technician, now: datetime) -> bool:
    """A test went out to `tech` within the day."""
    sent = tech.phone_test_sent_at
    return sent is not None and sent <= now <= sent + ANSWER_WITHIN


def last_passed(tech: Technician, zone: ZoneInfo) -> str:
    """ "2026-12-05 23:14 (SMS, voice)", or "never"."""
    if tech.phone_verified_at is None:
        return "never"
    ways = ", ".join(
        "SMS" if w == SMS else w for w in (tech.phone_verified_by or "").split(",") if w
    )
    return f"{tech.phone_verified_at.astimezone(zone):%Y-%m-%d %H:%M} ({ways})"
