"""Drill 3: a gunicorn worker is SIGKILLed in the middle of a Twilio request, and Twilio
retries the same request (same parameters, same I-Twilio-Idempotency-Token): one ticket,
one page. The request is held mid-transaction by a lock the drill takes on the receipts
table (PostgreSQL: its work done, waiting to commit; SQLite: waiting for the write lock),
then the worker serving it is found by its socket and killed."""

from __future__ import annotations

import http.client
import os
import signal
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import urlencode

import psycopg
from twilio.request_validator import RequestValidator

from bench.drills.support import (
    CALLERS,
    SUPPORT_LINE,
    DrillResult,
    call_sid,
    copies,
    drill_team,
    end_escalations,
    pages_of,
    rotate_primary,
    signed_post,
    tickets_of,
    wait_until,
)
from bench.harness import AUTH_TOKEN, Stack
from intake.db import Database
from ticketing.models import OutboxStatus

RETRY = {"I-Twilio-Idempotency-Token": "drill-3-retry"}


def drill_worker_killed(stack: Stack, *, quick: bool) -> DrillResult:
    """Run drill 3 on the drills' stack."""
    result = DrillResult(
        fault=(
            "a web worker SIGKILLed mid-request (the call's first webhook, and the step that "
            "pages), then Twilio's retry; and an answer lost after its commit, retried"
        ),
        expected="each call: one ticket, one page, one text; retries get the same TwiML",
    )
    drill_team(stack.database_url, 3, ["0s primary sms"])
    database = Database(stack.database_url)
    sids = [call_sid(3, n) for n in range(3)]
    notes, phones = [], []
    for n, (sid, killed_at) in enumerate(zip(sids, ("ring", "page", None), strict=True)):
        phones.append(rotate_primary(stack.database_url, 3, n))  # its own technician
        notes.append(_one_call(stack, sid, CALLERS[n], killed_at))
    delivered = wait_until(
        lambda: (
            len(pages_of(database, sids)) == len(sids)
            and all(p.status == OutboxStatus.SENT for p in pages_of(database, sids))
        ),
        90,
    )
    time.sleep(3)
    _judge(result, stack, database, phones, sids, notes, delivered)
    end_escalations(database, sids)
    database.engine.dispose()
    return result


def _one_call(stack: Stack, sid: str, caller: str, killed_at: str | None) -> str:
    """Play one call whose `killed_at` step dies mid-request and is retried."""
    base = {"CallSid": sid, "From": caller, "To": SUPPORT_LINE, "Direction": "inbound"}
    steps = [
        ("/twilio/voice", {**base, "CallStatus": "ringing"}),
        (
            "/twilio/voice/recorded",
            {
                **base,
                "RecordingUrl": "https://x.test/RE1",
                "RecordingSid": "RE" + sid[2:],
                "RecordingDuration": "9",
            },
        ),
        ("/twilio/voice/callback/confirm", {**base, "Digits": "1"}),
    ]
    doomed = {"ring": 0, "page": 2}.get(killed_at or "", -1)
    notes = []
    for index, (path, params) in enumerate(steps):
        if index == doomed:
            notes.append(_kill_mid_request(stack, path, params))
        first, _ = signed_post(stack.base_url, path, params, headers=RETRY)
        again, _ = signed_post(stack.base_url, path, params, headers=RETRY)
        if first.status_code != 200 or first.content != again.content:
            notes.append(f"{path}: retry answered differently")
    return f"{sid[-4:]}: " + ("; ".join(notes) or "answer lost after commit, retried")


def _kill_mid_request(stack: Stack, path: str, params: dict[str, str]) -> str:
    """Send the request, hold it mid-transaction, SIGKILL its worker; what happened."""
    with _held(stack.database_url):
        conn = http.client.HTTPConnection("127.0.0.1", stack.web_port, timeout=30)
        signature = RequestValidator(AUTH_TOKEN).compute_signature(stack.base_url + path, params)
        headers = {
            "X-Twilio-Signature": signature,
            "Content-Type": "application/x-www-form-urlencoded",
            **RETRY,
        }
        conn.request("POST", path, body=urlencode(params), headers=headers)
        time.sleep(1.5)  # the worker reaches the lock and waits there
        pid = _worker_serving(stack, conn.sock.getsockname()[1])
        victims = [pid] if pid else stack.web_workers_pids()
        for victim in victims:
            with suppress(ProcessLookupError):
                os.kill(victim, signal.SIGKILL)
    try:
        answer = conn.getresponse().status
    except (http.client.HTTPException, OSError) as exc:
        answer = type(exc).__name__
    conn.close()
    wait_until(lambda: len(stack.web_workers_pids()) >= stack.web_workers, 30, every=0.2)
    which = f"worker {pid}" if pid else "every worker (serving one not found)"
    return f"{path}: {which} SIGKILLed mid-request, Twilio got {answer}"


@contextmanager
def _held(database_url: str) -> Iterator[None]:
    """Block writes to webhook_receipts (every webhook's last write) until released."""
    if database_url.startswith("sqlite"):
        conn = sqlite3.connect(database_url.split("///", 1)[1], isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            conn.rollback()
            conn.close()
        return
    plain = database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain) as conn:
        conn.execute("LOCK TABLE webhook_receipts IN SHARE MODE")
        try:
            yield
        finally:
            conn.rollback()


def _worker_serving(stack: Stack, client_port: int) -> int | None:
    """The gunicorn worker holding the server end of the connection from `client_port`."""
    wanted = f"0100007F:{stack.web_port:04X} 0100007F:{client_port:04X}"
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if f"{fields[1]} {fields[2]}" == wanted:
            inode = fields[9]
    if inode is None:
        return None
    for pid in stack.web_workers_pids():
        with suppress(OSError):
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                if os.readlink(fd) == f"socket:[{inode}]":
                    return pid
    return None


def _judge(
    result: DrillResult,
    stack: Stack,
    database: Database,
    phones: list[str],
    sids: list[str],
    notes: list[str],
    delivered: bool,
) -> None:
    tickets = tickets_of(database, sids)
    pages = pages_of(database, sids)
    texted = copies(stack.twilio_log())
    texts = [texted[(phone, tickets.get(sid))] for sid, phone in zip(sids, phones, strict=True)]
    per_ticket = sorted(sum(p.ticket_id == t for p in pages) for t in tickets.values())
    result.observed = (
        f"{len(tickets)} tickets for {len(sids)} calls, pages per ticket {per_ticket}, "
        f"texts per ticket {sorted(texts)}; " + "; ".join(notes)
    )
    result.passed = (
        delivered
        and len(tickets) == len(sids)
        and per_ticket == [1] * len(sids)
        and texts == [1] * len(sids)
        and not any("differently" in note or "not found" in note for note in notes)
    )
