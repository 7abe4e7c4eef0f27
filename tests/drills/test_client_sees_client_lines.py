"""What a client reads of a ticket: only client lines, in client words.

Found when the portal showed every timeline line: a staff note ("INTERNAL: client is 60
days overdue"), the technician's mobile number, Twilio message ids and the other company's
ticket number from a bundled page. Every kind now has an audience, the portal shows only
what a client may read, and the texts and emails a client receives carry none of it.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from intake.clock import FrozenClock
from intake.db import Database
from scheduler.relay import relay_due
from tests.support.emergencies import emergency
from tests.support.fake_transport import RecordingMessenger
from tests.support.logins import as_staff, log_in
from tests.support.people import DANA, JANE, MARIA
from tests.support.replies import text
from tests.support.twilio import PhoneCall, TwilioPoster
from tests.support.users import make_user
from ticketing.event_kinds import RULES, Audience, EventKind, client_line
from ticketing.models import OutboxMessage, Ticket
from ticketing.timeline import add_event

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("ivr", "ticketing", "webhooks", "scheduler", "portal_web", "sandbox", "intake")
STAFF_NOTE = "INTERNAL: client is 60 days overdue"
CLIENT_NOTE = "We are replacing the card reader this morning."
# A Twilio id of any kind (message, call, account, recording): two capitals, 32 hex digits.
PROVIDER_ID = re.compile(r"\b(SM|MM|CA|AC|RE|PN)[0-9a-f]{32}\b")


def _national(e164: str) -> str:
    return f"({e164[2:5]}) {e164[5:8]}-{e164[8:]}"


def test_every_kind_has_a_decided_audience():
    """A kind added to EventKind without a rule fails here, before it can reach a client."""
    assert set(RULES) == set(EventKind)
    assert {rule.audience for rule in RULES.values()} == set(Audience)


def test_a_kind_outside_the_list_is_refused(
    session: Session, directory, phone: Callable[..., PhoneCall], clock: FrozenClock
):
    ticket = emergency(phone, session)
    with pytest.raises(ValueError):
        add_event(session, ticket.id, "invented_kind", "anything", at=clock())  # type: ignore[arg-type]


def _kind_arguments() -> list[tuple[str, int, ast.expr]]:
    found = []
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            tree = ast.parse(path.read_text(), filename=str(path))
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Call)
                    and getattr(node.func, "id", getattr(node.func, "attr", "")) == "add_event"
                    and len(node.args) >= 3
                ):
                    found.append((str(path.relative_to(ROOT)), node.lineno, node.args[2]))
    return found


def test_every_line_written_names_its_kind_from_the_list():
    """No timeline line is written with a kind typed as a bare string."""
    arguments = _kind_arguments()
    assert len(arguments) > 40
    literals = [f"{path}:{line}" for path, line, arg in arguments if isinstance(arg, ast.Constant)]
    assert literals == []


@pytest.mark.parametrize("kind", list(EventKind))
def test_the_portal_shows_a_line_only_as_its_kind_allows(
    kind: EventKind,
    app: Flask,
    session: Session,
    directory,
    phone: Callable[..., PhoneCall],
    clock: FrozenClock,
):
    """Each kind, written with staff-only details in it, reaches the client's page only as
    its rule says: the line itself for client kinds, fixed client words, or nothing."""
    ticket = emergency(phone, session)
    secret = f"Step 2: paging Dana ({_national(DANA)}) SM{'ab' * 16}, bundled with #4242."
    event = add_event(session, ticket.id, kind, secret, at=clock(), actor="Dana Whitfield")
    session.commit()
    bob = make_user(session, "bob@b.example", client=directory["bakery"], contact=directory["jane"])
    page = log_in(app.test_client(), bob).get(f"/portal/tickets/{ticket.number}").text

    words = client_line(kind, event.audience, secret, "Dana Whitfield")
    if RULES[kind].audience == Audience.CLIENT:
        assert secret in page
    else:
        assert _national(DANA) not in page and "#4242" not in page
        assert PROVIDER_ID.search(page) is None
        if words is not None:
            assert str(escape(words)) in page


@pytest.fixture
def night(
    app: Flask,
    database: Database,
    session: Session,
    directory,
    phone: Callable[..., PhoneCall],
    twilio: TwilioPoster,
    clock: FrozenClock,
) -> dict[str, object]:
    """A night of two emergencies of two companies: pages bundled to Dana, sent, Dana
    acknowledges the bakery's, and staff write one note for staff and one for the client."""
    bakery_ticket = emergency(phone, session, words="The point of sale is down")
    diner_ticket = emergency(phone, session, MARIA, words="The fryer tablet is dead")
    messenger = RecordingMessenger()
    relay_due(database.sessionmaker, messenger, clock(), status_callback_url=None)
    text(twilio, DANA, f"ACK {bakery_ticket.number}")
    relay_due(database.sessionmaker, messenger, clock(), status_callback_url=None)
    staff = as_staff(app.test_client(), session)
    path = f"/console/tickets/{bakery_ticket.number}/note"
    app.config["WTF_CSRF_ENABLED"] = False
    answer = staff.post(path, data={"note": STAFF_NOTE})
    assert answer.status_code in (302, 303), answer.location
    assert answer.location.endswith(f"/console/tickets/{bakery_ticket.number}"), answer.location
    shown = staff.post(path, data={"note": CLIENT_NOTE, "to_client": "yes"})
    assert shown.status_code in (302, 303), shown.location
    session.expire_all()
    return {
        "bakery": bakery_ticket,
        "diner": diner_ticket,
        "messenger": messenger,
        "staff": staff,
    }


def _staff_only_content(text_seen: str, other_ticket: Ticket) -> list[str]:
    found = [n for n in (DANA, _national(DANA), DANA[2:]) if n in text_seen]
    found += [m.group(0) for m in PROVIDER_ID.finditer(text_seen)]
    for words in (STAFF_NOTE, f"#{other_ticket.number}", "Step 1", "bundle", "api.twilio.com"):
        if words.lower() in text_seen.lower():
            found.append(words)
    return found


def test_the_clients_ticket_page_after_a_night_shows_no_staff_content(
    app: Flask, session: Session, directory, night: dict[str, object]
):
    bakery_ticket, diner_ticket = night["bakery"], night["diner"]
    assert isinstance(bakery_ticket, Ticket) and isinstance(diner_ticket, Ticket)
    # The night really did leave staff-only content on the ticket: the console shows it.
    staff = night["staff"]
    assert isinstance(staff, FlaskClient)
    console = staff.get(f"/console/tickets/{bakery_ticket.number}").text
    assert _staff_only_content(console, diner_ticket)

    bob = make_user(session, "bob@b.example", client=directory["bakery"], contact=directory["jane"])
    page = log_in(app.test_client(), bob).get(f"/portal/tickets/{bakery_ticket.number}").text
    assert _staff_only_content(page, diner_ticket) == []
    assert CLIENT_NOTE in page
    assert "Dana Whitfield is working on it." in page
    assert "The on-call technician is being paged." in page


def test_the_texts_and_emails_a_client_receives_carry_no_staff_content(
    session: Session, directory, night: dict[str, object]
):
    diner_ticket = night["diner"]
    assert isinstance(diner_ticket, Ticket)
    bakery = directory["bakery"]
    addresses = [JANE, "bob@b.example"] + [c.email for c in bakery.contacts if c.email]
    to_client = session.scalars(
        select(OutboxMessage).where(
            or_(OutboxMessage.to_number.in_(addresses), OutboxMessage.to_address.in_(addresses))
        )
    ).all()
    assert to_client, "the client was told who is working on it"
    for message in to_client:
        seen = f"{message.subject or ''}\n{message.body}"
        assert _staff_only_content(seen, diner_ticket) == [], seen


def test_a_console_note_is_staff_only_unless_staff_choose(
    session: Session, night: dict[str, object]
):
    bakery_ticket = night["bakery"]
    assert isinstance(bakery_ticket, Ticket)
    notes = {e.message: e.audience for e in bakery_ticket.events if e.kind == EventKind.NOTE.value}
    assert notes == {STAFF_NOTE: Audience.STAFF, CLIENT_NOTE: Audience.CLIENT}
