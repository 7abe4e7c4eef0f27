"""What the fault drills share: their result line, a caller that plays a whole call through
signed webhooks, seeding the directory and a short escalation policy, and reading pages
back from the database and from the fake Twilio's ledger."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import requests
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from bench.calls.burst_checks import paged_numbers_in
from bench.harness import ACCOUNT_SID, AUTH_TOKEN, SUPPORT_LINE
from intake.db import Database
from sandbox.demo.seed import CLIENTS, seed_demo
from ticketing.directory import (
    add_client,
    add_contact,
    add_technician,
    client_by_account,
    technician_by_name,
)
from ticketing.models import Call, OutboxKind, OutboxMessage
from ticketing.oncall.models import OnCallRole
from ticketing.oncall.roster import set_on_call
from ticketing.paging.models import Escalation, EscalationStatus
from ticketing.paging.policies import set_policy

CALLERS = tuple(phone for *_, (_person, phone, _email) in CLIENTS)  # the demo clients' contacts
# The drills' own fallback number: a fictional 555-01xx number, not one of the firm's lines.
FORWARD = "+13365550199"
_started = time.monotonic()


def say(message: str) -> None:
    """A progress line with the time since the drills started."""
    print(f"[{time.monotonic() - _started:5.0f} s] {message}", flush=True)


@dataclass
class DrillResult:
    """One line of the drill table."""

    fault: str
    expected: str
    observed: str = ""
    passed: bool = False
    details: list[str] = field(default_factory=list)
    # A drill that cannot run here (it needs PostgreSQL) says why and fails nothing.
    skipped: bool = False


def call_sid(drill: int, n: int) -> str:
    """A CallSid shaped like Twilio's, unique per drill and call."""
    return f"CA{drill:04x}{n:028x}"


def ticket_numbers(body: str) -> set[int]:
    """The tickets a page (or a bundle of pages, ranges included) pages for; not those it
    only mentions, such as the lead of the escalation a ticket joined ("Joins #1042")."""
    return paged_numbers_in(body)


def signed_post(
    base_url: str, path: str, params: Mapping[str, str], *, headers: Mapping[str, str] | None = None
) -> tuple[requests.Response, float]:
    """POST as Twilio does (signed for `base_url` + path); the answer and its seconds."""
    signature = RequestValidator(AUTH_TOKEN).compute_signature(base_url + path, dict(params))
    started = time.monotonic()
    answer = requests.post(
        base_url + path,
        data=params,
        headers={"X-Twilio-Signature": signature, **(headers or {})},
        timeout=30,
    )
    return answer, time.monotonic() - started


@dataclass
class CallTrace:
    """What one played call went through."""

    call_sid: str
    steps: list[tuple[str, int, float]] = field(default_factory=list)
    documents: list[ET.Element] = field(default_factory=list)
    said: str = ""

    @property
    def slowest(self) -> float:
        """The longest wait for an answer, in seconds."""
        return max((seconds for _, _, seconds in self.steps), default=0.0)

    @property
    def ok(self) -> bool:
        """Every step answered 2xx."""
        return bool(self.steps) and all(200 <= status < 300 for _, status, _ in self.steps)


KEYS = (("/menu/", "1"), ("/callback/confirm", "1"), ("/callback/number/", "3365550199#"))


def play_call(
    base_url: str, sid: str, caller: str, *, message: str = "Tills are down."
) -> CallTrace:
    """Play a whole emergency call as Twilio and the caller would: press 1 at the menu,
    leave a message (and its transcription), confirm the callback number."""
    base = {
        "CallSid": sid,
        "AccountSid": ACCOUNT_SID,
        "From": caller,
        "Caller": caller,
        "To": SUPPORT_LINE,
        "Called": SUPPORT_LINE,
        "Direction": "inbound",
    }
    trace = CallTrace(sid)
    path, extra = "/twilio/voice", {"CallStatus": "ringing"}
    for _ in range(12):
        answer, seconds = signed_post(
            base_url, path, {**base, "CallStatus": "in-progress", **extra}
        )
        trace.steps.append((path, answer.status_code, seconds))
        if answer.status_code != 200:
            break
        document = ET.fromstring(answer.content)
        trace.documents.append(document)
        trace.said += " ".join(say.text or "" for say in document.iter("Say")) + " "
        following = _next_step(base_url, base, document, trace, message)
        if following is None:
            break
        path, extra = following
    status = {**base, "CallStatus": "completed", "SequenceNumber": "3"}
    answer, seconds = signed_post(base_url, "/twilio/voice/status", status)
    trace.steps.append(("/twilio/voice/status", answer.status_code, seconds))
    return trace


def _next_step(
    base_url: str, base: dict[str, str], document: ET.Element, trace: CallTrace, message: str
) -> tuple[str, dict[str, str]] | None:
    for verb in document:
        action = verb.get("action") or ""
        if verb.tag == "Gather":
            keys = next((k for part, k in KEYS if part in action), "1")
            return action, {"Digits": keys}
        if verb.tag == "Record":
            url = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/RE{trace.call_sid[2:]}"
            recording = {"RecordingUrl": url, "RecordingSid": "RE" + trace.call_sid[2:]}
            words = verb.get("transcribeCallback")
            if words:  # Twilio transcribes on its own, shortly after the recording
                params = {**base, **recording, "TranscriptionText": message}
                params["TranscriptionStatus"] = "completed"
                answer, seconds = signed_post(base_url, words, params)
                trace.steps.append((words, answer.status_code, seconds))
            return action, {**recording, "RecordingDuration": "12", "Digits": "#"}
        if verb.tag == "Dial" and action:
            return action, {"DialCallStatus": "no-answer", "DialCallDuration": "0"}
        if verb.tag == "Redirect":
            return verb.text or "", {}
        if verb.tag in ("Hangup", "Enqueue"):
            return None
    return None


def seed_directory(database_url: str) -> None:
    """The demo clients (the callers) and technicians, on call since before the drills, so
    that no hand-off notice (and the minute of pacing after it) gets in a drill's way."""
    database = Database(database_url)
    with database.transaction() as session:
        seed_demo(session, datetime.now(UTC) - BEFORE, portal=False)
    database.engine.dispose()


# Put on call this long ago: past the hand-off notice's 10-minute lateness window.
BEFORE = timedelta(minutes=15)


@dataclass(frozen=True)
class Team:
    """A drill's own technicians, so that no drill's pages pace or bundle with another's."""

    primary: str
    secondary: str
    third: str

    @property
    def phones(self) -> tuple[str, str, str]:
        """Primary, secondary and third, in step order."""
        return (self.primary, self.secondary, self.third)


def drill_team(database_url: str, drill: int, steps: Sequence[str]) -> Team:
    """Three technicians for drill `drill` (primary and secondary on call, the third named
    in `steps` as THIRD) and a one-round policy of `steps` with an hour's pause after it."""
    phones = [f"+1336555{drill}{k}10" for k in range(1, 4)]
    names = [f"Drill{drill} {role}" for role in ("Primary", "Secondary", "Third")]
    database = Database(database_url)
    now = datetime.now(UTC)
    with database.transaction() as session:
        for name, phone in zip(names, phones, strict=True):
            if technician_by_name(session, name) is None:
                add_technician(session, name, phone)
        set_on_call(session, names[0], now=now - BEFORE, role=OnCallRole.PRIMARY)
        set_on_call(session, names[1], now=now - BEFORE, role=OnCallRole.SECONDARY)
        policy = [step.replace("THIRD", names[2]) for step in steps]
        set_policy(session, policy, repeat=1, repeat_delay_seconds=3600, now=now)
    database.engine.dispose()
    return Team(*phones)


def drill_callers(database_url: str, drill: int, count: int) -> list[str]:
    """`count` callers of drill `drill`, each from a company of its own (created on first
    use): emergencies of one company join one escalation (ticketing/paging/joining.py),
    and a drill that counts steps per ticket needs an escalation per call."""
    phones = []
    database = Database(database_url)
    with database.transaction() as session:
        for k in range(1, count + 1):
            account, phone = f"9{drill}{k:02d}", f"+1336555{drill}{k:02d}6"
            if client_by_account(session, account) is None:
                add_client(session, f"Drill{drill} Client {k}", account, has_msa=True)
                add_contact(session, account, f"Drill{drill} Caller {k}", phone)
            phones.append(phone)
    database.engine.dispose()
    return phones


def rotate_primary(database_url: str, drill: int, k: int) -> str:
    """Put drill `drill`'s k-th stand-in primary on call (created on first use) and return
    their phone: a quiet phone is paged at once, while one texted less than a minute ago
    waits for the minute (scheduler/bundling.py), which would only slow the drill down."""
    name, phone = f"Drill{drill} Primary {k}", f"+1336555{drill}{k:02d}9"
    database = Database(database_url)
    with database.transaction() as session:
        if technician_by_name(session, name) is None:
            add_technician(session, name, phone)
        set_on_call(session, name, now=datetime.now(UTC) - BEFORE, role=OnCallRole.PRIMARY)
    database.engine.dispose()
    return phone


def end_escalations(database: Database, sids: Sequence[str]) -> None:
    """Stop the escalations of a finished drill, so that the next drill's policy (which
    every running escalation follows) cannot fire steps of them."""
    tickets = list(tickets_of(database, sids).values())
    now = datetime.now(UTC)
    with database.transaction() as session:
        for escalation in session.scalars(
            select(Escalation).where(Escalation.ticket_id.in_(tickets))
        ):
            # Only an active escalation is swept; one that already ended is left as it is.
            escalation.end(EscalationStatus.CANCELLED, now)


def pages_of(database: Database, sids: Sequence[str]) -> list[OutboxMessage]:
    """The pages of the tickets those calls opened."""
    with database.sessionmaker() as session:
        tickets = select(Call.ticket_id).where(Call.call_sid.in_(sids))
        stmt = select(OutboxMessage).where(
            OutboxMessage.ticket_id.in_(tickets), OutboxMessage.kind == OutboxKind.PAGE
        )
        return list(session.scalars(stmt))


def tickets_of(database: Database, sids: Sequence[str]) -> dict[str, int]:
    """CallSid → ticket number, for the calls the database knows."""
    with database.sessionmaker() as session:
        rows = session.execute(select(Call.call_sid, Call.ticket_id).where(Call.call_sid.in_(sids)))
        return {sid: ticket for sid, ticket in rows}  # noqa: C416 (a Result is no mapping)


def copies(ledger: Sequence[Mapping[str, object]], *, late_only: bool = False) -> Counter:
    """How many accepted texts name each (phone, ticket), from the fake Twilio's ledger."""
    counted: Counter = Counter()
    for entry in ledger:
        if entry.get("kind") != "sms" or (late_only and not entry.get("late")):
            continue
        for number in ticket_numbers(str(entry.get("Body", ""))):
            counted[(entry.get("To"), number)] += 1
    return counted


def wait_until(what: Callable[[], bool], seconds: float, every: float = 1.0) -> bool:
    """Poll `what` until it is true or `seconds` have passed; whether it came true."""
    deadline = time.monotonic() + seconds
    while True:
        if what():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(every)
