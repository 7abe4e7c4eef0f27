"""Staff hear of what the public pages bring in: each access request is emailed to every
active member of staff (through the outbox), once, in plain text."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.clock import FrozenClock
from tests.support.users import make_user
from ticketing.accounts.access_requests import submit_access_request
from ticketing.firm import Firm
from ticketing.models import OutboxMessage

FIRM = Firm(name="Accelerando", base_url="https://portal.example.com/")


def _emails_to_staff(session: Session) -> list[OutboxMessage]:
    stmt = select(OutboxMessage).where(OutboxMessage.kind == "staff").order_by(OutboxMessage.id)
    return list(session.scalars(stmt))


def _ask(session: Session, clock: FrozenClock, email: str = "pat@example.com"):
    return submit_access_request(
        session,
        name="Pat <b>Baker</b>",
        company="Blue Ridge Bakery",
        email=email,
        phone="+13365550177",
        message="Please let me see our invoices.",
        now=clock(),
        firm=FIRM,
    )


def test_every_active_staff_member_is_told_of_an_access_request(
    session: Session, clock: FrozenClock
) -> None:
    make_user(session, "priya@firm.example", role="staff")
    make_user(session, "sam@firm.example", role="staff").active = False
    make_user(session, "jane@client.example", role="client_admin")

    _ask(session, clock)
    _ask(session, clock)  # the same request again: stored once, told once

    [email] = _emails_to_staff(session)
    assert email.to_address == "priya@firm.example"
    assert email.subject == "Portal access requested: Pat <b>Baker</b> (Blue Ridge Bakery)"
    assert "pat@example.com" in email.body and "Please let me see our invoices." in email.body
    assert "https://portal.example.com/console/clients" in email.body
