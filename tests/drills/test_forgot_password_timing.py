"""The forgot-password form cannot tell who has an account: the answer is the same page,
byte for byte, and takes the same time, because the request does the same database work
for every address (it queues it) and the scheduler's sweep sends the links."""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager

from flask.testing import FlaskClient
from sqlalchemy import Connection, event
from sqlalchemy.orm import Session

from intake.runtime import sweeps_for
from tests.support.forms import session_csrf_token
from tests.support.outbox import account_emails
from tests.support.rows import count_rows
from tests.support.users import make_user
from ticketing.accounts.models import PasswordResetRequest
from ticketing.accounts.password_resets import send_reset_links
from ticketing.firm import Firm

SAMPLES = 20
# Medians of the two kinds of request may differ by this factor at most (noise on a busy
# machine); answering at once for existing accounts measured 1.7 here.
SAME_TIME = 1.25
ROUNDS = 3
_CSRF = re.compile(r'name="csrf_token"[^>]*value="[^"]+"')
# The tests' sessions commit to numbered savepoints; the number is not the work.
_SAVEPOINT = re.compile(r"SAVEPOINT \w+")


def _forgot(client: FlaskClient, email: str, token: str):
    return client.post("/forgot-password", data={"email": email, "csrf_token": token})


def _timed(client: FlaskClient, email: str, token: str) -> float:
    started = time.perf_counter()
    answer = _forgot(client, email, token)
    elapsed = time.perf_counter() - started
    assert answer.status_code == 200
    return elapsed


@contextmanager
def _statements(connection: Connection) -> Iterator[list[str]]:
    """The SQL the app sends on the test's connection meanwhile (parameters left out)."""
    seen: list[str] = []

    def note(_conn, _cursor, statement, _params, _context, _many) -> None:
        seen.append(_SAVEPOINT.sub("SAVEPOINT", statement))

    event.listen(connection, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(connection, "before_cursor_execute", note)


def _users(session: Session, directory: dict, how_many: int) -> list[str]:
    # A new account each time: every one of them would be owed a link (none is throttled).
    return [
        make_user(session, f"user{n}@bakery.example", client=directory["bakery"]).email
        for n in range(how_many)
    ]


def test_existing_and_missing_accounts_take_the_same_time(client, session, directory) -> None:
    emails = _users(session, directory, SAMPLES * ROUNDS)
    session.commit()
    token = session_csrf_token(client)
    for n in range(5):  # warm up templates, caches and the connection
        _timed(client, f"warm{n}@example.com", token)
    ratios = []
    for round_ in range(ROUNDS):
        existing, missing = [], []
        # Interleaved, so that a load spike on the machine hits both kinds alike.
        for n in range(SAMPLES):
            existing.append(_timed(client, emails[round_ * SAMPLES + n], token))
            missing.append(_timed(client, f"nobody{round_}-{n}@example.com", token))
        a, b = statistics.median(existing), statistics.median(missing)
        ratios.append(max(a, b) / min(a, b))
        if ratios[-1] < SAME_TIME:
            break
    assert min(ratios) < SAME_TIME, f"existing/missing medians differ: {ratios}"


def test_the_request_does_the_same_database_work_for_anyone(
    client, session, connection, directory
) -> None:
    make_user(session, "jane@blueridgebakery.example", client=directory["bakery"])
    session.commit()
    token = session_csrf_token(client)
    _forgot(client, "warm@example.com", token)
    with _statements(connection) as known:
        _forgot(client, "jane@blueridgebakery.example", token)
    with _statements(connection) as unknown:
        _forgot(client, "nobody@example.com", token)
    assert known == unknown


def test_the_answers_are_identical_but_for_the_csrf_token(client, session, directory) -> None:
    make_user(session, "jane@blueridgebakery.example", client=directory["bakery"])
    session.commit()
    answers = []
    for email in ("jane@blueridgebakery.example", "nobody@example.com"):
        browser = FlaskClient(client.application)
        answer = _forgot(browser, email, session_csrf_token(browser))
        answers.append((answer.status_code, sorted(answer.headers.items()), answer.data))
    (status_a, headers_a, body_a), (status_b, headers_b, body_b) = answers
    assert status_a == status_b == 200
    strip = [(k, v) for k, v in headers_a if k != "Set-Cookie"]
    assert strip == [(k, v) for k, v in headers_b if k != "Set-Cookie"]
    assert _CSRF.sub("", body_a.decode()) == _CSRF.sub("", body_b.decode())


def test_the_sweep_sends_the_link_and_forgets_the_requests(
    client, session, clock, settings, directory
) -> None:
    make_user(session, "jane@blueridgebakery.example", client=directory["bakery"])
    session.commit()
    token = session_csrf_token(client)
    for email in ("jane@blueridgebakery.example", "nobody@example.com"):
        _forgot(client, email, token)
    session.expire_all()
    assert count_rows(session, PasswordResetRequest) == 2
    firm = Firm(name="Accelerando", base_url="https://portal.example.com")
    assert send_reset_links(session, clock(), firm=firm) == 2
    assert count_rows(session, PasswordResetRequest) == 0
    (link,) = account_emails(session)
    assert link.to_address == "jane@blueridgebakery.example"
    assert "https://portal.example.com/set-password/" in link.body
    # The running scheduler has it among its sweeps.
    assert "password-resets" in [name for name, _, _ in sweeps_for(settings)]
