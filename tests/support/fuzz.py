"""Shared pieces of the bad-input drills: hypothesis settings, counting of the inputs tried,
strategies for odd Twilio parameters, signed posting, the answer's property and the database
invariants ("no half-written ticket").
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from ticketing.calls.models import QueueEntry
from ticketing.models import Call, OutboxMessage, Ticket, TicketEvent, TicketStatus, WebhookReceipt
from ticketing.paging.models import Escalation, InboundMessage

# Small enough that every fuzz drill together stays well under a minute on SQLite in CI;
# the long drill sets FUZZ_EXAMPLES=500 or so.
DEFAULT_EXAMPLES = 20
FORM = "application/x-www-form-urlencoded"
# docs/design.md §3: the URLs configured on the phone numbers.
CONFIGURED_URLS = ("/twilio/voice", "/twilio/voice/status", "/twilio/sms", "/twilio/sms/status")


def fuzz_examples() -> int:
    """Examples per property: env FUZZ_EXAMPLES, or a CI-sized default."""
    raw = os.environ.get("FUZZ_EXAMPLES", "").strip()
    return max(1, int(raw)) if raw.isdigit() else DEFAULT_EXAMPLES


def fuzz_settings(scale: float = 1.0) -> settings:
    """The hypothesis settings every drill uses (`scale` for the costlier properties)."""
    return settings(
        max_examples=max(1, round(fuzz_examples() * scale)),
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        print_blob=True,
    )


# --- counting ------------------------------------------------------------------------------


@dataclass
class FuzzCount:
    """How many generated inputs one test tried (shrinking and replays count too)."""

    name: str
    tried: int = 0

    def one(self) -> None:
        """Count one input."""
        self.tried += 1


def record_count(name: str, tried: int, path: str | None = None) -> None:
    """Add `tried` under `name` in the JSON file FUZZ_COUNT_FILE (merged, file-locked)."""
    path = path or os.environ.get("FUZZ_COUNT_FILE")
    if not path:
        return
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)  # pytest-xdist workers may finish together
        fh.seek(0)
        text = fh.read()
        counts = json.loads(text) if text.strip() else {}
        counts[name] = int(counts.get(name, 0)) + tried
        fh.seek(0)
        fh.truncate()
        json.dump(counts, fh, indent=2, sort_keys=True)


@contextmanager
def counted(request: pytest.FixtureRequest, part: str = "") -> Iterator[FuzzCount]:
    """Count a test's inputs (or those of one `part` of it, e.g. a route) and, at its end,
    pass or fail, add them to FUZZ_COUNT_FILE."""
    count = FuzzCount(request.node.nodeid + (f"[{part}]" if part else ""))
    try:
        yield count
    finally:
        record_count(count.name, count.tried)


# --- routes --------------------------------------------------------------------------------


def twilio_rules(app: Flask) -> list[Rule]:
    """Every Twilio-facing route (everything under /twilio/), in a stable order."""
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/twilio/")]
    return sorted(rules, key=lambda r: r.rule)


def route_app() -> Flask:
    """An app built only to read its url_map (no database is touched), for parametrizing."""
    from intake.app import create_app
    from intake.config import Settings

    settings_ = Settings(
        instance_path=Path("/nonexistent-fuzz-instance"),
        database_url="sqlite://",
        secret_key="fuzz",
        public_base_url="https://intake.example.com",
    )
    return create_app(settings_)


def int_args(rule: Rule) -> list[str]:
    """The rule's <int:...> arguments."""
    return re.findall(r"<int(?:\([^)]*\))?:(\w+)>", rule.rule)


def build_path(app: Flask, rule: Rule, args: Mapping[str, object]) -> str:
    """The rule's URL with `args` filled in and percent-encoded, as our TwiML would give it."""
    return app.url_map.bind("fuzz.invalid").build(rule.endpoint, dict(args), method="POST")


# --- strategies ----------------------------------------------------------------------------

# Any code point a form can carry (no lone surrogates: they cannot be UTF-8 encoded).
ANY_CHAR = st.characters(exclude_categories=("Cs",))


def odd_text(max_size: int = 40) -> st.SearchStrategy[str]:
    """Arbitrary unicode, control characters and NULs included."""
    return st.text(ANY_CHAR, max_size=max_size)


def oversized() -> st.SearchStrategy[str]:
    """A long value, about 65 B to 100 kB in UTF-8, of one repeated character or word."""
    return st.builds(
        lambda piece, size: piece * max(1, size // len(piece.encode())),
        st.one_of(ANY_CHAR, st.sampled_from(["ACK 1042 ", "+1336555", "9", "€", "\x00"])),
        st.sampled_from([65, 257, 1601, 4097, 100_000]),
    )


def _odd(special: Sequence[str]) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(list(special)), odd_text(), oversized())


UNICODE_DIGITS = ["٣", "۴", "१२३", "１２", "²", "³", "½", "௧", "߁", "𝟙𝟚", "Ⅻ", "①"]
ODD_DIGITS = [
    "",
    "#",
    "*",
    "**#",
    "1#",
    "abc",
    "ABC",
    "1 2",
    " 2",
    "-1",
    "0",
    "1" * 500,
    "9" * 20,
    "1.5",
    "ｗ",
    *UNICODE_DIGITS,
]
ODD_FROM = [
    "",
    " ",
    "anonymous",
    "Anonymous",
    "client:alice",
    "client:",
    "sip:alice@example.com",
    "sip:+13365550123@pbx.example.com;transport=tls",
    "+",
    "++1",
    "+1",
    "22395",
    "898211",
    "12345678901234567890",
    "+12345678901234567890",
    "+13365550123",
    "+13365550101",
    "13365550123",
    "(336) 555-0123",
    "Restricted",
    "RESTRICTED",
    "Unknown",
    "Private",
    "266696687",
    "+266696687",
    "+٣٣٦٥٥٥٠١٢٣",
    "+１３３６５５５０１２３",
    "+1 336 555 0123 ext. 9",
    "+13365550123\x00",
    "whatsapp:+13365550123",
]
ODD_SIDS = [
    "",
    " ",
    "CA",
    "SM",
    "CA" + "0" * 32,
    "CA" + "f" * 64,
    "CA" + "1" * 100,
    "ca" + "1" * 32,
    "CA\x00" + "1" * 32,
    "CA'; DROP TABLE tickets;--",
    "CAé" + "1" * 31,
    "../../etc/passwd",
]
ODD_URLS = [
    "",
    "not a url",
    "javascript:alert(1)",
    "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1",
    "http://127.0.0.1/",
    "https://example.com/" + "a" * 600,
    "https://exämple.com/<script>",
]
ODD_DURATIONS = [
    "",
    "0",
    "-1",
    "14",
    "1.5",
    "abc",
    "9" * 10,
    "9" * 40,
    "1e3",
    " 5",
    *UNICODE_DIGITS,
]
ODD_SEQUENCES = ["", "0", "1", "-1", "99", "9" * 10, "9" * 30, "1.0", "x", *UNICODE_DIGITS]
CALL_STATUSES = ["queued", "ringing", "in-progress", "completed", "busy", "failed", "no-answer"]
ODD_CALL_STATUS = [*CALL_STATUSES, "canceled", "", "COMPLETED", "Completed ", "done", "\x00"]
MESSAGE_STATUSES = ["queued", "sending", "sent", "delivered", "undelivered", "failed", "read"]
ODD_MESSAGE_STATUS = [*MESSAGE_STATUSES, "", "DELIVERED", " failed", "canceled", "bogus"]
ODD_ERROR_CODES = ["", "0", "21610", "30003", "-1", "abc", "9" * 20, "30003\x00", "٣٠٠٠٣"]
ODD_BODIES = [
    "",
    " ",
    "ACK",
    "ACK 1042",
    "ack #-1",
    "RES 99999999999999999999999",
    "ESC ٣",
    "NE because",
    "STOP",
    "start",
    "?",
    "\x00",
    "=cmd|' /C calc'!A0",
    "😀 ack 1001",
]
ODD_QUEUE_RESULTS = ["", "hangup", "bridged", "leave", "error", "queue-full", "redirected", "x"]
ODD_ANSWERED_BY = ["", "human", "machine_start", "machine_end_beep", "fax", "unknown", "MACHINE"]

# Every field name our webhooks read, with its odd values. Values of other names are odd_text.
FIELD_VALUES: dict[str, list[str]] = {
    "Digits": ODD_DIGITS,
    "From": ODD_FROM,
    "Caller": ODD_FROM,
    "To": ODD_FROM,
    "RecordingUrl": ODD_URLS,
    "RecordingSid": ODD_SIDS,
    "RecordingDuration": ODD_DURATIONS,
    "SequenceNumber": ODD_SEQUENCES,
    "CallStatus": ODD_CALL_STATUS,
    "DialCallStatus": ODD_CALL_STATUS,
    "MessageStatus": ODD_MESSAGE_STATUS,
    "SmsStatus": ODD_MESSAGE_STATUS,
    "ErrorCode": ODD_ERROR_CODES,
    "Body": ODD_BODIES,
    "OptOutType": ["", "STOP", "START", "HELP", "stop ", "bogus"],
    "TranscriptionText": ["", " ", "My server is down", "\x00"],
    "TranscriptionStatus": ["completed", "failed", "", "COMPLETED"],
    "QueueResult": ODD_QUEUE_RESULTS,
    "QueueTime": ODD_DURATIONS,
    "QueuePosition": ODD_SEQUENCES,
    "AnsweredBy": ODD_ANSWERED_BY,
    "SimulatedAt": ["", "2026-12-24 10:00", "2026-02-30 10:00", "yesterday"],
    "AccountSid": ["", "AC" + "0" * 32, "AC\x00"],
}
SID_FIELDS = ("CallSid", "MessageSid", "SmsSid", "ParentCallSid", "DequeingCallSid")


# A CallSid / MessageSid no request has used: each example starts from the same world
# (its changes are rolled back), so one constant is a new call or text every time.
FRESH_CALL = "CA" + "F" * 32
FRESH_MESSAGE = "SM" + "F" * 32


@dataclass(frozen=True)
class World:
    """What exists before each example: calls, pages and people the odd requests may name."""

    call_sids: list[str]
    message_sids: list[str]
    ints: list[int]


def normal_params(call_sid: str, message_sid: str) -> dict[str, str]:
    """What Twilio would post on a plain step of a call or a text."""
    return {
        "AccountSid": "AC" + "0" * 32,
        "ApiVersion": "2010-04-01",
        "CallSid": call_sid,
        "MessageSid": message_sid,
        "From": "+13365550123",
        "Caller": "+13365550123",
        "To": "+18888991911",
        "Called": "+18888991911",
        "CallStatus": "in-progress",
        "Direction": "inbound",
        "Digits": "1",
        "Body": "ACK",
        "MessageStatus": "delivered",
        "RecordingUrl": "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1",
        "RecordingSid": "RE" + "1" * 32,
        "RecordingDuration": "14",
        "SequenceNumber": "3",
        "QueueTime": "30",
        "QueuePosition": "1",
    }


def _short(value: object, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}…<{len(text)} chars>"


class Form(MultiDict):
    """A generated form whose repr stays readable when a value is 100 kB long."""

    def __repr__(self) -> str:
        return f"Form([{', '.join(f'({k!r}, {_short(v)})' for k, v in self.items(multi=True))}])"


class Body(bytes):
    """A generated raw body whose repr stays readable when it is megabytes long."""

    def __repr__(self) -> str:
        return f"Body({_short(bytes(self), 300)})"


@st.composite
def twilio_form(draw: st.DrawFn, world: World) -> Form:
    """A Twilio-like form where any field may be normal, missing, odd, oversized or doubled,
    plus unknown extra fields."""
    call_sid = draw(
        st.one_of(st.just("fresh"), st.sampled_from(world.call_sids), st.sampled_from(ODD_SIDS))
    )
    call_sid = FRESH_CALL if call_sid == "fresh" else call_sid
    message_sid = draw(st.one_of(st.just("fresh"), st.sampled_from(world.message_sids + ODD_SIDS)))
    message_sid = FRESH_MESSAGE if message_sid == "fresh" else message_sid
    fields = normal_params(call_sid, message_sid)
    names = sorted(set(fields) | set(FIELD_VALUES) | set(SID_FIELDS))
    # A handful of fields changed per example (drawing all of them costs more than the request).
    changes = draw(
        st.dictionaries(
            st.sampled_from(names), st.sampled_from(["missing", "odd", "double"]), max_size=8
        )
    )
    form = Form()
    for name in names:
        how = changes.get(name, "normal")
        if how == "missing" or (how == "normal" and name not in fields):
            continue
        if how == "normal":
            form.add(name, fields[name])
            continue
        special = FIELD_VALUES.get(name, ODD_SIDS if name in SID_FIELDS else [""])
        form.add(name, draw(_odd(special)))
        if how == "double":
            form.add(name, draw(_odd(special)))
    for name, value in draw(st.lists(st.tuples(odd_text(20), odd_text(30)), max_size=2)):
        form.add(name, value)
    return form


def path_args(rule: Rule, world: World) -> st.SearchStrategy[dict[str, object]]:
    """Values for the rule's URL arguments: known ids, zero, huge numbers, odd SIDs."""
    strategies: dict[str, st.SearchStrategy[object]] = {}
    for name in rule.arguments:
        if name in int_args(rule):
            strategies[name] = st.one_of(
                st.sampled_from(world.ints), st.integers(0, 10), st.integers(0, 10**40)
            )
        else:
            strategies[name] = st.one_of(
                st.sampled_from(world.call_sids),
                st.text(st.sampled_from("ABCDEFabcdef0123456789-_.~"), min_size=1, max_size=200),
                # No "/": that would be another URL (werkzeug redirects a "//" with a 308).
                st.text(
                    st.characters(exclude_categories=("Cs",), exclude_characters="/"),
                    min_size=1,
                    max_size=20,
                ),
            )
    return st.fixed_dictionaries(strategies)


# --- posting -------------------------------------------------------------------------------


def signature(url: str, form: MultiDict[str, str] | Mapping[str, str], token: str) -> str:
    """X-Twilio-Signature for `form` posted to `url` (repeated keys count, as Twilio signs)."""
    return RequestValidator(token).compute_signature(url, form)


def post_signed_form(
    client: FlaskClient, base_url: str, path: str, form: MultiDict[str, str], token: str | None
) -> TestResponse:
    """Post `form` url-encoded, signed with `token` (None: unsigned)."""
    headers = {"X-Twilio-Signature": signature(base_url + path, form, token)} if token else {}
    return client.post(path, data=form, headers=headers)


def parsed_form(app: Flask, path: str, body: bytes) -> MultiDict[str, str]:
    """What Flask's form parsing makes of a raw url-encoded `body` (what Twilio would sign)."""
    with app.test_request_context(path, method="POST", data=body, content_type=FORM) as ctx:
        return MultiDict(ctx.request.form)


def post_raw(
    client: FlaskClient, path: str, body: bytes, signature_value: str | None
) -> TestResponse:
    """Post raw bytes as a url-encoded form, with the given signature header (or none)."""
    headers = {"X-Twilio-Signature": signature_value} if signature_value else {}
    return client.post(path, data=body, content_type=FORM, headers=headers)


# --- properties ----------------------------------------------------------------------------


def assert_safe_answer(response: TestResponse) -> None:
    """403/4xx, 204, or 200 with well-formed TwiML whose root is <Response>; never a 5xx."""
    status = response.status_code
    assert status < 500, (status, response.data[:500])
    if status == 204:
        assert response.data == b""
        return
    if 400 <= status < 500:
        return
    assert status == 200, (status, response.data[:500])
    assert response.content_type.startswith(("text/xml", "application/xml")), response.content_type
    root = ET.fromstring(response.data)
    assert root.tag == "Response", response.data[:500]


def _count(session: Session, stmt: Any) -> int:
    return int(session.scalar(stmt) or 0)


def assert_whole(session: Session) -> None:
    """No half-written ticket or side record. "Whole", from ticketing/models.py and calls.py:

    - every ticket has its opening event on the timeline; a ticket opened by a call has its
      Call row, and its timeline starts with `call_received` followed by `classified`;
    - every Call, queue entry, escalation, outbox row, inbound text and event points at a
      ticket that exists; a page has its technician;
    - a ticket's state and its timeline agree: acknowledged ⇒ who and when and an
      `acknowledged` event; resolved ⇒ when and a `resolved` event; intake completed ⇒ an
      `intake_complete` event; paged ⇒ an escalation row; flagged for payment ⇒ the event;
    - a queue entry that has an outcome has left the queue (left_at);
    - an inbound text is kept with its outcome (handled, not half-handled);
    - every stored webhook answer is a 204 with no body or a 200 with <Response> TwiML.
    """
    session.expire_all()
    tickets = {row.id: row for row in session.execute(select(*_TICKET_COLUMNS))}
    kinds: dict[int, list[str]] = defaultdict(list)
    for ticket_id, kind in session.execute(
        select(TicketEvent.ticket_id, TicketEvent.kind).order_by(TicketEvent.id)
    ):
        kinds[ticket_id].append(kind)
    calls = Counter(session.scalars(select(Call.ticket_id)))
    escalations = Counter(session.scalars(select(Escalation.ticket_id)))
    queue = session.execute(
        select(QueueEntry.ticket_id, QueueEntry.call_sid, QueueEntry.outcome, QueueEntry.left_at)
    ).all()
    outbox = session.execute(
        select(OutboxMessage.ticket_id, OutboxMessage.kind, OutboxMessage.technician_id)
    ).all()
    inbound = session.execute(select(InboundMessage.ticket_id, InboundMessage.outcome)).all()
    pointing = [
        ("event", kinds),
        ("call", calls),
        ("escalation", escalations),
        ("queue entry", [q.ticket_id for q in queue]),
        ("outbox row", [o.ticket_id for o in outbox]),
        ("inbound text", [i.ticket_id for i in inbound]),
    ]
    for what, ids in pointing:
        lost = {i for i in ids if i is not None and i not in tickets}
        assert not lost, f"{what} pointing at no ticket: {sorted(lost)}"
    call_sids = set(session.scalars(select(Call.call_sid)))
    for q in queue:
        assert q.call_sid in call_sids, f"queue entry without its call {q.call_sid!r}"
        assert q.outcome is None or q.left_at is not None, "queue entry left without left_at"
    for o in outbox:
        if o.kind == "page":
            assert o.ticket_id is not None and o.technician_id is not None, "page without owner"
    assert all(i.outcome for i in inbound), "an inbound text kept without its outcome"
    for ticket in tickets.values():
        _assert_ticket_whole(ticket, kinds[ticket.id], calls[ticket.id], escalations[ticket.id])
    for status, body in session.execute(select(WebhookReceipt.status_code, WebhookReceipt.body)):
        assert status in (200, 204), status
        assert body == "" if status == 204 else ET.fromstring(body).tag == "Response", body


_TICKET_COLUMNS = (
    Ticket.id,
    Ticket.source,
    Ticket.status,
    Ticket.acknowledged_by_id,
    Ticket.acknowledged_at,
    Ticket.resolved_at,
    Ticket.intake_completed_at,
    Ticket.paged_at,
    Ticket.payment_contact,
    Ticket.joined_to_id,
)
_STATUSES = {s.value for s in TicketStatus}


def _assert_ticket_whole(ticket: Any, kinds: list[str], calls: int, escalations: int) -> None:
    where = f"ticket {ticket.id}: {kinds}"
    assert kinds, f"ticket {ticket.id} without its opening event"
    assert calls <= 1, f"ticket {ticket.id} has {calls} calls"
    assert ticket.status in _STATUSES, ticket.status
    if ticket.source == "phone":
        assert calls == 1, f"phone ticket {ticket.id} without its call"
        assert kinds[:2] == ["call_received", "classified"], where
        assert ticket.intake_completed_at is None or "intake_complete" in kinds, where
        assert not ticket.payment_contact or "payment_contact" in kinds, where
    if ticket.status in (TicketStatus.ACKNOWLEDGED, TicketStatus.RESOLVED):
        assert ticket.acknowledged_by_id is not None and ticket.acknowledged_at is not None
        assert "acknowledged" in kinds, where
    if ticket.status == TicketStatus.RESOLVED:
        assert ticket.resolved_at is not None and "resolved" in kinds, where
    if ticket.paged_at is not None:
        # A company's later emergency joins the escalation of the one paging already.
        joined = ticket.joined_to_id is not None
        assert escalations == (0 if joined else 1), (
            f"ticket {ticket.id} paged without its escalation"
        )


def row_counts(session: Session) -> dict[str, int]:
    """How many rows each table a webhook writes holds (to show a refusal changed nothing)."""
    session.expire_all()
    models = (Ticket, TicketEvent, Call, WebhookReceipt, InboundMessage, OutboxMessage, QueueEntry)
    return {m.__name__: _count(session, select(func.count()).select_from(m)) for m in models}


@contextmanager
def example_scope(connection: Connection) -> Iterator[Session]:
    """One example's changes in a savepoint, rolled back afterwards (examples independent);
    yields a session to check the database with."""
    savepoint = connection.begin_nested()
    checker = Session(bind=connection, join_transaction_mode="create_savepoint")
    try:
        yield checker
    finally:
        checker.close()
        if savepoint.is_active:
            savepoint.rollback()


class _Failures(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def webhook_failures() -> Iterator[list[logging.LogRecord]]:
    """The errors our webhooks log while answering (their failure path), kept out of the
    test output: a drill of 500 examples would otherwise print 500 tracebacks."""
    handler, logger = _Failures(), logging.getLogger("webhooks")
    propagate = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield handler.records
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
        _note_failures(handler.records)


# Refusals our webhooks raise on purpose for requests they cannot tie to anything: they are
# answered with the route's safe TwiML. Any other exception while handling odd input is a
# defect (a value the code did not expect), even though the answer is safe.
EXPECTED_REFUSALS = (
    (ValueError, "a voice webhook without CallSid"),
    (ValueError, "a help-desk queue webhook for an unknown call"),
    (ValueError, "an inbound text without MessageSid"),
    (OSError, "the local spool cannot be written"),
)


def unexpected_failures(records: list[logging.LogRecord]) -> list[str]:
    """The logged failures that are not one of EXPECTED_REFUSALS, described."""
    found = []
    for record in records:
        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None and any(
            isinstance(exc, kind) and str(exc).startswith(text) for kind, text in EXPECTED_REFUSALS
        ):
            continue
        found.append(f"{record.getMessage()}: {type(exc).__name__}: {str(exc)[:300]}")
    return found


def _note_failures(records: list[logging.LogRecord]) -> None:
    """Append one line per logged failure to FUZZ_FAILURE_LOG, if set (for the drill report)."""
    path = os.environ.get("FUZZ_FAILURE_LOG")
    if not path or not records:
        return
    with open(path, "a", encoding="utf-8") as fh:
        for record in records:
            exc = record.exc_info[1] if record.exc_info else None
            what = f"{type(exc).__name__}: {str(exc)[:200]!r}" if exc else ""
            fh.write(f"{record.getMessage()[:120]!r} {what}\n")
