"""Helpers for the portal's home, ticket, request and pre-paid hour tests (a plain module:
a second conftest.py would shadow tests/conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from flask.testing import FlaskClient
from flask_login.utils import _create_identifier
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash
from werkzeug.test import TestResponse

from ticketing.accounts.models import User
from ticketing.billing import retainer
from ticketing.billing.models import Agreement, Invoice, Payment
from ticketing.models import Client, Contact, Ticket
from ticketing.service_requests.booking import submit_request

JANE = "+13365550123"
DANA = "+13365550101"
SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(2)>'
_HASH = generate_password_hash("correct horse battery staple")


def page(response: TestResponse, status: int = 200) -> str:
    """The HTML of a response, checked to have `status`."""
    assert response.status_code == status, response.data[:2000]
    return response.get_data(as_text=True)


def make_user(
    session: Session,
    client: Client | None,
    *,
    email: str,
    name: str,
    role: str = "client_admin",
    contact: Contact | None = None,
    billing: bool = False,
) -> User:
    """A portal user (or staff, with `client` None) with a real password hash."""
    user = User(
        email=email.lower(),
        name=name,
        role=role,
        client_id=client.id if client else None,
        contact_id=contact.id if contact else None,
        can_view_billing=billing,
        password_hash=_HASH,
        active=True,
        session_version=1,
    )
    session.add(user)
    session.commit()
    return user


def login(client: FlaskClient, user: User) -> FlaskClient:
    """Log `user` in through Flask-Login's session format (no login page involved)."""
    # Session protection is "strong": the session must carry the browser's identifier
    # (a hash of the test client's address and user agent), as login_user() stores it.
    with client.application.test_request_context(environ_base=client.environ_base):
        identifier = _create_identifier()
    with client.session_transaction() as s:
        s["_user_id"] = f"{user.id}:{user.session_version}"
        s["_fresh"] = True
        s["_id"] = identifier
    return client


def request_ticket(
    session: Session, client: Client, user: User, service_class: str, text: str, now: Any, **kw
) -> Ticket:
    """A help-desk or professional request made by `user`, as the portal makes it."""
    result = submit_request(
        session,
        client_id=client.id,
        service_class=service_class,
        description=text,
        preferred_technician=kw.get("technician"),
        windows=kw.get("windows", []),
        hour_limit=kw.get("hour_limit"),
        requested_by=user.name,
        contact_id=user.contact_id,
        now=now,
    )
    result.ticket.requested_by_user_id = user.id
    session.commit()
    return result.ticket


def phone_emergency(phone: Any, session: Session, caller: str = JANE, words: str = "") -> Ticket:
    """An after-hours call that ends in a paged emergency ticket, with a transcription."""
    call = phone(caller)
    call.ring()
    call.record()
    call.post("/twilio/voice/callback/confirm", Digits="1")
    if words:
        call.post(
            "/twilio/voice/transcription",
            TranscriptionText=words,
            TranscriptionStatus="completed",
        )
    session.expire_all()
    return session.scalars(select(Ticket).order_by(Ticket.id.desc()).limit(1)).one()


def agreement(session: Session, client: Client, kind: str, name: str, **kw: Any) -> Agreement:
    """An agreement of `client` starting a year before the test's day by default."""
    found = Agreement(
        client_id=client.id,
        kind=kind,
        name=name,
        starts_on=kw.pop("starts_on", date(2026, 1, 1)),
        **kw,
    )
    session.add(found)
    session.flush()
    return found


def _invoices(session: Session, bakery: Client, diner: Client) -> None:
    # Bakery: 450.00 issued with 100.00 paid (350.00 due), one paid; the diner's never count.
    issued = Invoice(
        client_id=bakery.id,
        number="B-1",
        status="issued",
        issued_on=date(2026, 11, 30),
        total=Decimal("450.00"),
    )
    issued.payments.append(Payment(amount=Decimal("100.00"), method="check", reference="chk-1"))
    session.add_all(
        [
            issued,
            Invoice(client_id=bakery.id, number="B-0", status="paid", total=Decimal("80.00")),
            Invoice(client_id=diner.id, number="D-1", status="issued", total=Decimal("999.00")),
        ]
    )
    session.flush()


@dataclass
class Portal:
    """The bakery's portal world: users, agreements, tickets of every class."""

    alice: User  # client_admin of the bakery
    bob: User  # client_user, Jane's login (sees Jane's calls and his own requests)
    carol: User  # client_user without a contact (only her own requests)
    mallory: User  # client_admin of the diner (another company)
    staff: User
    prepaid: Agreement
    help_desk: Ticket
    professional: Ticket
    emergency: Ticket  # Jane's phone call, acknowledged by Dana
    carols: Ticket
    diners: Ticket


def _users(session: Session, directory: dict[str, Any]) -> dict[str, User]:
    bakery, diner, jane = directory["bakery"], directory["diner"], directory["jane"]
    return {
        "alice": make_user(session, bakery, email="Alice@bakery.example", name="Alice Baker"),
        "bob": make_user(
            session,
            bakery,
            email="bob@b.example",
            name="Bob Baker",
            role="client_user",
            contact=jane,
        ),
        "carol": make_user(
            session, bakery, email="carol@b.example", name="Carol Crumb", role="client_user"
        ),
        "mallory": make_user(session, diner, email="mallory@d.example", name="Mallory Diner"),
        "staff": make_user(session, None, email="priya@firm.example", name="Priya", role="staff"),
    }


def _agreements(session: Session, bakery: Client, now: Any) -> Agreement:
    # An MSA with rates, an emergency agreement that ended last year, 20 pre-paid hours.
    agreement(
        session,
        bakery,
        "msa",
        "Master Services Agreement",
        help_desk_rate=Decimal("95"),
        professional_rate=Decimal("140"),
        emergency_rate=Decimal("210"),
        entitlements="Help desk, professional services and emergency services at the rates above.",
    )
    agreement(
        session,
        bakery,
        "emergency_support",
        "Emergency Support 2025",
        starts_on=date(2025, 1, 1),
        ends_on=date(2025, 12, 31),
    )
    prepaid = agreement(
        session, bakery, "prepaid_hours", "20 pre-paid hours", emergency_multiplier=Decimal("1.5")
    )
    when = now - timedelta(days=30)
    retainer.purchase(session, bakery.id, Decimal(20), prepaid.id, "20 hours", when)
    return prepaid


def _draw(session: Session, ticket: Ticket, hours: str, now: Any) -> None:
    ticket.apply_retainer = True
    emergency = ticket.service_class == "emergency"
    retainer.draw(
        session, ticket, Decimal(hours), emergency=emergency, multiplier=Decimal("1.5"), now=now
    )


def build_portal(
    session: Session, directory: dict[str, Any], phone: Any, twilio: Any, clock: Any
) -> Portal:
    """Realistic data for every page (see Portal): 17 of 20 pre-paid hours used (85%)."""
    from reply_testkit import text

    bakery, diner, now = directory["bakery"], directory["diner"], clock()
    users = _users(session, directory)
    alice, carol = users["alice"], users["carol"]
    prepaid = _agreements(session, bakery, now)
    _invoices(session, bakery, diner)
    soon = now + timedelta(days=3)
    tickets = {
        "help_desk": request_ticket(session, bakery, alice, "help_desk", "Printer offline", now),
        "professional": request_ticket(
            session,
            bakery,
            alice,
            "professional_service",
            "Upgrade the POS server",
            now,
            technician="Luis Romero",
            hour_limit=Decimal(4),
            windows=[(soon, soon + timedelta(hours=3))],
        ),
        "carols": request_ticket(session, bakery, carol, "help_desk", "Carol's label printer", now),
        "diners": request_ticket(
            session, diner, users["mallory"], "help_desk", "Diner fryer tablet", now
        ),
        "emergency": phone_emergency(phone, session, words="The point of sale is down"),
    }
    text(twilio, DANA, f"ACK {tickets['emergency'].number}")
    _draw(session, tickets["help_desk"], "5", now)  # 5 h
    _draw(session, tickets["emergency"], "8", now)  # 8 h x 1.5 = 12 h
    session.commit()
    session.expire_all()
    return Portal(**users, prepaid=prepaid, **tickets)
