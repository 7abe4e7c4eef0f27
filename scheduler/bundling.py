"""Bundling: texts due to one phone go out as one SMS, at most about one a minute.

The pacing rule (HOLD = 60 s) for SMS pages and notices to technicians (never replies,
alerts, calls, emails, redirects, or anything to a client: a text to the client's
representative or the caller has no technician and always goes on its own, in plain words):

- A number that was texted a page or notice less than HOLD ago (or is being texted right
  now by another relay) gets its next due ones only HOLD after that text. Until then they
  stay 'pending', with next_attempt_at moved to that moment and no attempt counted. A
  page waits only behind a page: a notice (a hand-off text) never holds an emergency.
- Every page and notice due to one number in one tick goes out as ONE text (a bundle).

So the first page of an emergency to a quiet phone (escalation step 0, nothing texted in
the last minute) always goes on the tick it falls due: the rule needs no exception for it.
A burst of emergencies to one technician yields the first page at once, then one bundle a
minute holding everything that came due meanwhile: the relay claims every due row for a
bundled number (bundle_mates), not just those in its batch, and a bundle too long for its
parts lists ticket numbers as ranges (#1043-1992) within Twilio's 1,600 characters, so a
thousand emergencies still reach the technician a minute later, not twenty. Replies are
not counted as texts here: an answer to the technician's own message must not delay the
next emergency.

Voice pages follow the same rule in a lane of their own (CALL_HOLD): every voice page due
to one phone in one tick is ONE call, whose TwiML (the first row's) reads how many
emergencies it carries and whose keys act on all of them; the other rows point at it
(`carried_by_id`) and share its SID and outcome. A phone rung by a voice page less than
CALL_HOLD ago (still ringing, or its technician still listening) gets the next ones only
then, as one call. Several calls at once to one phone would ring it over each other and
reach its voicemail, each escalating as unanswered.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from ticketing.models import OutboxChannel, OutboxKind, OutboxMessage, OutboxStatus
from ticketing.sms_text import fit, segments, to_gsm7

BUNDLED_KINDS = (OutboxKind.PAGE, OutboxKind.NOTICE)
HOLD = timedelta(seconds=60)
# About one ring (30 s) and one reading of the page: the technician is on that call.
CALL_HOLD = timedelta(seconds=60)
MAX_SEGMENTS = 2
SEPARATOR = " | "
ACK_TAIL = " Reply ACK + ticket no."
MIN_REFILL = 20  # characters worth giving back to a shortened part
# Twilio refuses a longer body (error 21617); a bundle past it names ranges, then a count.
MAX_BODY = 1600
# Rows a bundle may gather beyond the relay's batch: a regional outage, not a runaway.
MAX_BUNDLE = 2000
NAMED_IN_NOTE = 10

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_ACK = re.compile(r"\s*Reply ACK \d+\.?\s*$")


class Textable(Protocol):
    """What bundling needs to know of a claimed outbox row."""

    @property
    def id(self) -> int: ...
    @property
    def ticket_id(self) -> int | None: ...
    @property
    def kind(self) -> str: ...
    @property
    def channel(self) -> str: ...
    @property
    def technician_id(self) -> int | None: ...
    @property
    def to_number(self) -> str: ...
    @property
    def body(self) -> str: ...


T = TypeVar("T", bound=Textable)


@dataclass(frozen=True)
class Lane:
    """Rows paced and bundled together per phone: texts (pages and notices), voice pages."""

    channel: OutboxChannel
    kinds: tuple[OutboxKind, ...]
    hold: timedelta


TEXTS = Lane(OutboxChannel.SMS, BUNDLED_KINDS, HOLD)
VOICE = Lane(OutboxChannel.CALL, (OutboxKind.PAGE,), CALL_HOLD)


def _for_client(row: Textable) -> bool:
    # A notice to no technician is what a client's representative (or the caller) is told.
    return row.kind == OutboxKind.NOTICE and row.technician_id is None


def lane_of(row: Textable) -> Lane | None:
    """The lane a row is paced and bundled in, if any (never a text to a client)."""
    for lane in (TEXTS, VOICE):
        if row.channel == lane.channel and row.kind in lane.kinds and not _for_client(row):
            return lane
    return None


def bundles(row: Textable) -> bool:
    """Whether a row may be paced and bundled."""
    return lane_of(row) is not None


def _in_lane(lane: Lane) -> ColumnElement[bool]:
    """`lane_of` in SQL."""
    return and_(
        OutboxMessage.channel == lane.channel,
        OutboxMessage.kind.in_(lane.kinds),
        or_(OutboxMessage.kind != OutboxKind.NOTICE, OutboxMessage.technician_id.is_not(None)),
    )


def held_until(
    session: Session, rows: Sequence[OutboxMessage], now: datetime, lease: timedelta
) -> dict[int, datetime]:
    """The rows that must wait (by id), each with the moment it may go."""
    held: dict[int, datetime] = {}
    for lane in (TEXTS, VOICE):
        mine = [row for row in rows if lane_of(row) == lane]
        if not mine:
            continue
        sends = _last_sends(session, lane, {row.to_number for row in mine}, now, lease)
        for row in mine:
            # An emergency page never waits behind a notice (a hand-off text, a caller's
            # words): only pages pace a page, while a notice waits behind either.
            pacing = [
                at
                for (number, kind), at in sends.items()
                if number == row.to_number and (row.kind != OutboxKind.PAGE or kind == row.kind)
            ]
            if pacing and now < max(pacing) + lane.hold:
                held[row.id] = max(pacing) + lane.hold
    return held


def bundle_mates(
    session: Session, rows: Sequence[OutboxMessage], due: ColumnElement[bool]
) -> list[OutboxMessage]:
    """Due rows outside `rows` that belong in the same bundles (same number and lane)."""
    mates: list[OutboxMessage] = []
    for lane in (TEXTS, VOICE):
        numbers = {row.to_number for row in rows if lane_of(row) == lane}
        if not numbers:
            continue
        stmt = (
            select(OutboxMessage)
            .where(
                due,
                OutboxMessage.to_number.in_(numbers),
                _in_lane(lane),
                OutboxMessage.id.not_in([row.id for row in rows]),
            )
            .order_by(OutboxMessage.id)
            .limit(MAX_BUNDLE)
            .with_for_update(skip_locked=True)
        )
        mates += session.scalars(stmt)
    return mates


def carry(rows: Sequence[OutboxMessage]) -> None:
    """Point each voice page at the one whose call carries it (None: it is that call),
    grouping as `group` does, so that the call's TwiML finds everything it rings for."""
    voice = [row for row in rows if lane_of(row) == VOICE]
    carriers: dict[str, int] = {}
    for row in voice:
        carriers[row.to_number] = min(row.id, carriers.get(row.to_number, row.id))
    for row in voice:
        carrier = carriers[row.to_number]
        row.carried_by_id = None if row.id == carrier else carrier


def _last_sends(
    session: Session, lane: Lane, numbers: set[str], now: datetime, lease: timedelta
) -> dict[tuple[str, str], datetime]:
    """The latest text (or call) of each kind to each number, sent or being sent."""
    recent = and_(
        OutboxMessage.status == OutboxStatus.SENT, OutboxMessage.sent_at > now - lane.hold
    )
    # Another relay's live claim: it is texting (or ringing) that number as we speak.
    in_flight = and_(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.lease_until > now)
    stmt = select(OutboxMessage).where(
        OutboxMessage.to_number.in_(numbers),
        _in_lane(lane),
        or_(recent, in_flight),
    )
    last: dict[tuple[str, str], datetime] = {}
    for row in session.scalars(stmt):
        at = row.sent_at if row.status == OutboxStatus.SENT else _claimed_at(row.lease_until, lease)
        if at is not None:
            key = (row.to_number, row.kind)
            last[key] = max(at, last.get(key, at))
    return last


def _claimed_at(lease_until: datetime | None, lease: timedelta) -> datetime | None:
    return lease_until - lease if lease_until is not None else None


def group(claims: Sequence[T]) -> list[tuple[T, ...]]:
    """One tuple per SMS or call, in claim order; pages and notices to one number share one
    text, voice pages to one number one call, each in the order its rows were written."""
    groups: list[list[T]] = []
    by_number: dict[tuple[str, str], list[T]] = {}
    for claim in claims:
        key = (claim.channel, claim.to_number)
        if not bundles(claim):
            groups.append([claim])
        elif key in by_number:
            by_number[key].append(claim)
        else:
            by_number[key] = [claim]
            groups.append(by_number[key])
    # Rows reach a tick in an order that varies with their retry times; a bundle's text
    # must not, or the look-up after a lost answer would miss the text Twilio has.
    return [tuple(sorted(items, key=lambda claim: claim.id)) for items in groups]


def bundle_note(claim: Textable, bundle: Sequence[Textable]) -> str:
    """What a timeline line adds about the bundle its row went in ("" for a lone text)."""
    if len(bundle) < 2:
        return ""
    others = sorted({c.ticket_id for c in bundle if c.ticket_id not in (None, claim.ticket_id)})
    if not others:
        return " (bundled)"
    if len(others) > NAMED_IN_NOTE:
        # A regional outage must not write a thousand numbers on each of a thousand timelines.
        return f" (bundled with {len(others)} other tickets)"
    return " (bundled with " + ", ".join(f"#{number}" for number in others) + ")"


def text_of(bundle: Sequence[Textable]) -> str:
    """The body to send: the row's own for a lone text, the combined one for a bundle."""
    return bundle[0].body if len(bundle) == 1 else bundle_body(bundle)


def bundle_body(bundle: Sequence[Textable]) -> str:
    """One text for several: a count, then each one's gist, shortened to fit 2 segments.

    The longest part loses its last sentence first (the caller's problem text), down to
    its bare ticket number; every ticket number stays even if that overruns 2 segments.
    """
    what = "EMERGENCIES" if all(c.kind == OutboxKind.PAGE for c in bundle) else "MESSAGES"
    head = f"{len(bundle)} {what}: "
    tail = ACK_TAIL if any(_ACK.search(c.body) for c in bundle) else ""
    variants = [_variants(c) for c in bundle]
    bare = [options[-1] for options in variants]
    if segments(head + SEPARATOR.join(bare) + tail) > MAX_SEGMENTS:
        # Not even bare numbers fit (a burst): shortening part by part would only end here,
        # after measuring the whole text once per step, thousands of times over.
        return _compact(head, bundle, bare, tail)
    levels = [0] * len(bundle)
    last_cut: int | None = None
    while True:
        parts = [options[level] for options, level in zip(variants, levels, strict=True)]
        text = head + SEPARATOR.join(parts) + tail
        shorter = [k for k, options in enumerate(variants) if levels[k] + 1 < len(options)]
        if segments(text) <= MAX_SEGMENTS or not shorter:
            break
        # Ties go to the newest, so the longest-waiting emergency keeps its detail longest.
        last_cut = max(reversed(shorter), key=lambda k: len(parts[k]))
        levels[last_cut] += 1
    if segments(text) > MAX_SEGMENTS and len(bundle) > 1:
        return _compact(head, bundle, parts, tail)
    if last_cut is None:
        return text
    return _refill(head, parts, tail, last_cut, variants[last_cut][levels[last_cut] - 1])


def _compact(head: str, bundle: Sequence[Textable], parts: list[str], tail: str) -> str:
    """Every ticket number as ranges (#1043-1079, #1081), within MAX_BODY; then a count."""
    loose = [part for claim, part in zip(bundle, parts, strict=True) if claim.ticket_id is None]
    numbers = sorted({c.ticket_id for c in bundle if c.ticket_id is not None})
    runs: list[list[int]] = []  # [first, last] of each run of consecutive numbers
    for number in numbers:
        if runs and runs[-1][1] == number - 1:
            runs[-1][1] = number
        else:
            runs.append([number, number])
    ranges = [f"#{a}" if a == b else f"#{a}-{b}" for a, b in runs]
    items = loose + ranges
    text = head + ", ".join(items) + tail
    kept = len(items)
    while len(text) > MAX_BODY and kept > 1:
        kept -= 1
        more = f" and {len(items) - kept} more: see the console."
        text = head + ", ".join(items[:kept]) + more + tail
    return text


def _refill(head: str, parts: list[str], tail: str, index: int, longer: str) -> str:
    """Give back to the part shortened last as much of what it lost as still fits."""
    plain = head + SEPARATOR.join(parts) + tail
    lost = longer[len(parts[index]) :].strip()
    if not longer.startswith(parts[index]) or not lost:
        return plain
    escaped = [p.replace("{", "{{").replace("}", "}}") for p in parts]
    escaped[index] += " {}"
    text = fit(head + SEPARATOR.join(escaped) + tail, lost, MAX_SEGMENTS)
    # fit() always adds "..." and may overrun when nothing fits; a stub ("Problem:...") is noise.
    useful = segments(text) <= MAX_SEGMENTS and len(text) - len(plain) >= MIN_REFILL
    return text if useful else plain


def _variants(claim: Textable) -> list[str]:
    """The row's gist, from whole to bare ticket number, each keeping that number."""
    gist = _ACK.sub("", to_gsm7(" ".join(claim.body.split())))
    gist = gist.removeprefix("EMERGENCY ")
    sentences = _SENTENCE_END.split(gist)
    options = [" ".join(sentences[:n]) for n in range(len(sentences), 0, -1)]
    if claim.ticket_id is not None:
        # The ticket number is the ticket id (what technicians type after ACK).
        number = f"#{claim.ticket_id}"
        has_number = re.compile(re.escape(number) + r"\b")
        options = [o if has_number.search(o) else f"{number} {o}" for o in options] + [number]
    unique: list[str] = []
    for option in options:
        if option and option not in unique:
            unique.append(option)
    return unique
