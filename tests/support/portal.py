"""The bakery's portal world: users of every role, agreements, invoices, pre-paid hours, and
tickets of every class (for the portal's page, request and tenancy tests and the drills)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from intake.clock import FrozenClock
from tests.support.emergencies import emergency
from tests.support.people import DANA
from tests.support.replies import text
from tests.support.tickets import request_ticket
from tests.support.twilio import PhoneCall, TwilioPoster
from tests.support.users import make_user
from ticketing.accounts.models import User
from ticketing.billing import retainer
from ticketing.billing.models import Agreement, Invoice, Payment
from ticketing.models import Client, Ticket


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
        "alice": make_user(
            session, "Alice@bakery.example", client=bakery, role="client_admin", name="Alice Baker"
        ),
        "bob": make_user(session, "bob@b.example", client=bakery, name="Bob Baker", contact=jane),
        "carol": make_user(session, "carol@b.example", client=bakery, name="Carol Crumb"),
        "mallory": make_user(
            session, "mallory@d.example", client=diner, role="client_admin", name="Mallory Diner"
        ),
        "staff": make_user(session, "priya@firm.example", role="staff", name="Priya"),
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
    session: Session,
    directory: dict[str, Any],
    phone: Callable[..., PhoneCall],
    twilio: TwilioPoster,
    clock: FrozenClock,
) -> Portal:
    """Realistic data for every page (see Portal): 17 of 20 pre-paid hours used (85%)."""
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
        "emergency": emergency(phone, session, words="The point of sale is down"),
    }
    text(twilio, DANA, f"ACK {tickets['emergency'].number}")
    _draw(session, tickets["help_desk"], "5", now)  # 5 h
    _draw(session, tickets["emergency"], "8", now)  # 8 h x 1.5 = 12 h
    session.commit()
    session.expire_all()
    return Portal(**users, prepaid=prepaid, **tickets)
