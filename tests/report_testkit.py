"""Test helper for the executive reports: tickets and invoices at chosen moments, portal
users, and logging a test client in as one of them."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from flask.testing import FlaskClient
from flask_login.utils import _create_identifier
from sqlalchemy.orm import Session

from ticketing.accounts.models import User
from ticketing.billing.models import Invoice, InvoiceLine
from ticketing.models import Client, Ticket


def add_ticket(
    session: Session,
    client: Client,
    service_class: str,
    opened_at: datetime,
    *,
    ack_minutes: float | None = None,
) -> Ticket:
    """A ticket of `client` opened at `opened_at`, acknowledged `ack_minutes` later."""
    ticket = Ticket(
        service_class=service_class,
        client_id=client.id,
        opened_at=opened_at,
        status="open" if ack_minutes is None else "acknowledged",
        acknowledged_at=None if ack_minutes is None else opened_at + timedelta(minutes=ack_minutes),
    )
    session.add(ticket)
    session.flush()
    return ticket


def add_invoice(
    session: Session,
    client: Client,
    number: str,
    lines: list[tuple[str | None, str, str]],
    *,
    status: str = "issued",
    period: str | None = None,
    issued_on: date | None = None,
) -> Invoice:
    """An invoice with lines of (service class, hours, amount)."""
    invoice = Invoice(
        client_id=client.id,
        number=number,
        status=status,
        period=period,
        issued_on=issued_on,
        total=sum((Decimal(a) for _c, _h, a in lines), Decimal("0.00")),
    )
    for service_class, hours, amount in lines:
        invoice.lines.append(
            InvoiceLine(
                service_class=service_class,
                description=f"{service_class or 'other'} work",
                quantity=Decimal(hours),
                unit_price=Decimal(amount) / Decimal(hours) if Decimal(hours) else Decimal(0),
                amount=Decimal(amount),
            )
        )
    session.add(invoice)
    session.flush()
    return invoice


def add_user(
    session: Session,
    client: Client | None,
    email: str,
    *,
    role: str = "client_admin",
    can_view_billing: bool = False,
) -> User:
    """A portal user (no password: tests log in through the session)."""
    user = User(
        email=email,
        name=email.split("@")[0].title(),
        role=role,
        client_id=client.id if client is not None else None,
        can_view_billing=can_view_billing,
        active=True,
        session_version=1,
    )
    session.add(user)
    session.flush()
    return user


def log_in(client: FlaskClient, user: User) -> None:
    """Make the test client's session that of `user`, as Flask-Login stores it (with the
    "strong" session protection's identifier of this test browser)."""
    with client.application.test_request_context(environ_base=client.environ_base):
        identifier = _create_identifier()
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = user.get_id()
        flask_session["_fresh"] = True
        flask_session["_id"] = identifier
