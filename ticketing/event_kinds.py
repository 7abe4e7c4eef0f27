"""What a ticket's timeline can say, and who may read each kind of line.

Every kind names its audience here, so a new kind cannot be written without someone
deciding whether a client may read it. Staff lines carry what the firm needs at night
(technicians' numbers, provider ids, escalation steps, other tickets of a bundle,
internal notes); client lines are written in the client's words and carry none of it.
Some staff kinds have a client wording: the client reads that fixed line instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class Audience(StrEnum):
    """Who may read a timeline line."""

    STAFF = "staff"
    CLIENT = "client"


class EventKind(StrEnum):
    """Every kind of line the service writes to a ticket's timeline."""

    CALL_RECEIVED = "call_received"
    CLASSIFIED = "classified"
    CALLER_IDENTIFIED = "caller_identified"
    CALLER_UNKNOWN = "caller_unknown"
    ACCOUNT_NOT_FOUND = "account_not_found"
    RECORDING = "recording"
    TRANSCRIPTION = "transcription"
    CALLBACK = "callback"
    PAYMENT_CONTACT = "payment_contact"
    INTAKE_COMPLETE = "intake_complete"
    CALL_ENDED = "call_ended"
    TRANSFER = "transfer"
    HELPDESK_QUEUE = "helpdesk_queue"
    HELPDESK_ANSWERED = "helpdesk_answered"
    HELPDESK_OFFER = "helpdesk_offer"
    HELPDESK_CALLBACK = "helpdesk_callback"
    SPOOL_REPLAYED = "spool_replayed"
    PAGED = "paged"
    PAGE_DELIVERED = "page_delivered"
    PAGE_FAILED = "page_failed"
    PAGE_ANSWERED = "page_answered"
    ESCALATION = "escalation"
    ESCALATION_EXHAUSTED = "escalation_exhausted"
    JOINED = "joined"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    RECLASSIFIED = "reclassified"
    REDIRECTED = "redirected"
    CLIENT_NOTIFIED = "client_notified"
    ASSIGNED = "assigned"
    NOTE = "note"
    FOLLOW_UP = "follow_up"
    REQUEST_RECEIVED = "request_received"
    SCHEDULED = "scheduled"
    TIME = "time"
    BILLING = "billing"
    RETAINER = "retainer"
    PAGE_SENT = "page_sent"
    PAGE_RETRYING = "page_retrying"
    EMAIL_SENT = "email_sent"
    EMAIL_FAILED = "email_failed"
    EMAIL_RETRYING = "email_retrying"
    REDIRECT_SENT = "redirect_sent"
    REDIRECT_FAILED = "redirect_failed"
    REDIRECT_RETRYING = "redirect_retrying"
    PAGER_DOWN = "pager_down"
    DRILL = "drill"


@dataclass(frozen=True)
class KindRule:
    """Who reads a kind by default, and the words a client reads instead of a staff line."""

    audience: Audience
    client_words: Callable[[str], str] | None = None


def _fixed(words: str) -> Callable[[str], str]:
    return lambda actor: words


STAFF = KindRule(Audience.STAFF)
CLIENT = KindRule(Audience.CLIENT)

RULES: dict[EventKind, KindRule] = {
    EventKind.CALL_RECEIVED: CLIENT,
    EventKind.CLASSIFIED: CLIENT,
    EventKind.CALLER_IDENTIFIED: CLIENT,
    EventKind.CALLER_UNKNOWN: STAFF,
    EventKind.ACCOUNT_NOT_FOUND: STAFF,
    EventKind.RECORDING: CLIENT,
    EventKind.TRANSCRIPTION: CLIENT,
    EventKind.CALLBACK: CLIENT,
    EventKind.PAYMENT_CONTACT: STAFF,
    EventKind.INTAKE_COMPLETE: STAFF,
    EventKind.CALL_ENDED: STAFF,
    EventKind.TRANSFER: STAFF,
    EventKind.HELPDESK_QUEUE: STAFF,
    EventKind.HELPDESK_ANSWERED: KindRule(
        Audience.STAFF, lambda actor: f"{actor} took your call at the help desk."
    ),
    # Which technician was rung for a waiting caller, and who passed: the firm's business.
    EventKind.HELPDESK_OFFER: STAFF,
    EventKind.HELPDESK_CALLBACK: KindRule(
        Audience.STAFF, _fixed("You chose a call back, keeping your place in line.")
    ),
    EventKind.SPOOL_REPLAYED: STAFF,
    EventKind.PAGED: KindRule(Audience.STAFF, _fixed("The on-call technician is being paged.")),
    EventKind.PAGE_DELIVERED: STAFF,
    EventKind.PAGE_FAILED: STAFF,
    EventKind.PAGE_ANSWERED: STAFF,
    EventKind.ESCALATION: STAFF,
    EventKind.ESCALATION_EXHAUSTED: STAFF,
    EventKind.JOINED: KindRule(
        Audience.STAFF,
        _fixed("Added to your company's emergency already being paged to the on-call technician."),
    ),
    EventKind.ACKNOWLEDGED: KindRule(Audience.STAFF, lambda actor: f"{actor} is working on it."),
    EventKind.RESOLVED: KindRule(Audience.STAFF, lambda actor: f"Resolved by {actor}."),
    EventKind.RECLASSIFIED: KindRule(
        Audience.STAFF,
        _fixed("Our technician found this is not an emergency: moved to the help desk."),
    ),
    EventKind.REDIRECTED: STAFF,
    EventKind.CLIENT_NOTIFIED: STAFF,
    EventKind.ASSIGNED: CLIENT,
    EventKind.NOTE: STAFF,
    EventKind.FOLLOW_UP: STAFF,
    EventKind.REQUEST_RECEIVED: CLIENT,
    EventKind.SCHEDULED: CLIENT,
    EventKind.TIME: STAFF,
    EventKind.BILLING: STAFF,
    EventKind.RETAINER: CLIENT,
    EventKind.PAGE_SENT: STAFF,
    EventKind.PAGE_RETRYING: STAFF,
    EventKind.EMAIL_SENT: STAFF,
    EventKind.EMAIL_FAILED: STAFF,
    EventKind.EMAIL_RETRYING: STAFF,
    EventKind.REDIRECT_SENT: STAFF,
    EventKind.REDIRECT_FAILED: STAFF,
    EventKind.REDIRECT_RETRYING: STAFF,
    # Why an emergency caller was forwarded or told to call again: the scheduler's state.
    EventKind.PAGER_DOWN: STAFF,
    # A rehearsal's pretended moment and who alone it pages; clients never see drills.
    EventKind.DRILL: STAFF,
}


_VALUES = frozenset(kind.value for kind in EventKind)


def default_audience(kind: EventKind | str) -> Audience:
    """The audience a line of `kind` gets unless its writer chooses otherwise."""
    return RULES[EventKind(kind)].audience


def client_line(
    kind: EventKind | str, audience: Audience | str, message: str, actor: str
) -> str | None:
    """What a client reads for a timeline line, or None when the line is not for clients."""
    if Audience(audience) == Audience.CLIENT:
        return message
    # A kind no longer written (old rows) has no rule: it stays with staff.
    rule = RULES.get(EventKind(kind)) if kind in _VALUES else None
    if rule is None or rule.client_words is None:
        return None
    return rule.client_words(actor)
