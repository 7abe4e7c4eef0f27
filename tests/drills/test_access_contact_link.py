"""A stranger cannot become a client's contact by typing that contact's phone number into
the public access form: an approved account is linked to a contact only by the email
address its set-password link proves, or by the contact staff choose on approval."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ivr.phones import national
from tests.support.forms import post, post_form
from tests.support.logins import as_staff, log_in
from tests.support.moments import local
from tests.support.outbox import account_emails, link_path
from tests.support.pages import html_of
from tests.support.people import JANE
from tests.support.tickets import add_ticket
from ticketing.accounts.access_requests import NO_CONTACT, approve_request
from ticketing.accounts.models import AccessRequest, User
from ticketing.directory import add_contact
from ticketing.errors import NotFound
from ticketing.firm import Firm
from ticketing.models import Ticket

MALLORY = "mallory@evil.example"
FIRM = Firm(name="Accelerando", base_url="https://intake.example.com")


def _ask(client: FlaskClient, session: Session, email: str, phone: str) -> AccessRequest:
    """The public form, filled in by someone claiming to be at the bakery."""
    form = {
        "name": "Mallory",
        "company": "Blue Ridge Bakery",
        "email": email,
        "phone": phone,
        "message": "I work at the front desk.",
    }
    assert post_form(client, "/request-access", form).status_code == 302
    session.expire_all()
    return session.scalars(select(AccessRequest).where(AccessRequest.email == email)).one()


def _approve_in_console(client: FlaskClient, request: AccessRequest, **form: str):
    return post(
        client, f"/console/access-requests/{request.id}/approve", {"account": "1001", **form}
    )


def _user(session: Session, email: str) -> User:
    session.expire_all()
    return session.scalars(select(User).where(User.email == email)).one()


@pytest.fixture
def janes_call(session: Session, directory: dict) -> Ticket:
    """A ticket Jane's own phone call opened: only she and her company's admins see it."""
    ticket = add_ticket(session, directory["bakery"], opened_at=local("2026-12-04 22:00"))
    ticket.contact_id, ticket.description = directory["jane"].id, "Payroll server down"
    session.commit()
    return ticket


def test_a_victims_phone_number_does_not_link_the_attacker(
    app, client, session, directory, janes_call
) -> None:
    request = _ask(client, session, MALLORY, national(JANE))
    staff = as_staff(app.test_client(), session)
    assert _approve_in_console(staff, request).status_code == 302
    mallory = _user(session, MALLORY)
    assert mallory.contact_id is None
    # Through the emailed link, into the portal: Jane's call is not among her tickets.
    link = link_path(account_emails(session, to=MALLORY)[-1].body)
    assert client.get(link).status_code == 200
    attacker = log_in(app.test_client(), mallory)
    assert str(janes_call.number) not in html_of(attacker.get("/portal/tickets"))
    assert attacker.get(f"/portal/tickets/{janes_call.number}").status_code == 404


def test_the_command_line_and_the_domain_ignore_the_typed_phone_too(
    client, session, clock, directory
) -> None:
    request = _ask(client, session, MALLORY, JANE)
    issued = approve_request(
        session,
        request.id,
        account="1001",
        admin=True,
        billing=False,
        now=clock(),
        firm=FIRM,
        decided_by="command line",
    )
    assert issued.user.contact_id is None


def test_the_contact_with_the_proved_email_is_linked(client, session, directory) -> None:
    ann = add_contact(session, "1001", "Ann Baker", "+13365550144", email="Ann@Bakery.example")
    session.commit()
    request = _ask(client, session, "ann@bakery.example", "")
    staff = as_staff(FlaskClient(client.application), session)
    assert _approve_in_console(staff, request).status_code == 302
    assert _user(session, "ann@bakery.example").contact_id == ann.id


def test_staff_choose_the_contact_or_none(client, session, directory) -> None:
    jane = directory["jane"]
    add_contact(session, "1001", "Ann Baker", "+13365550144", email="ann@bakery.example")
    session.commit()
    staff = as_staff(FlaskClient(client.application), session)
    first = _ask(client, session, "jane@blueridge.example", "")
    html = html_of(staff.get("/console/clients"))
    assert 'value="none"' in html and f'value="{jane.id}"' in html and "Jane Doe" in html
    assert _approve_in_console(staff, first, contact=str(jane.id)).status_code == 302
    assert _user(session, "jane@blueridge.example").contact_id == jane.id
    # "No contact" wins over a matching email address.
    second = _ask(client, session, "ann@bakery.example", "")
    assert _approve_in_console(staff, second, contact="none").status_code == 302
    assert _user(session, "ann@bakery.example").contact_id is None


@pytest.mark.parametrize("choice", ["maria", "99999", "x1", "9" * 40])
def test_a_contact_of_another_client_is_refused(client, session, directory, choice) -> None:
    request = _ask(client, session, MALLORY, "")
    staff = as_staff(FlaskClient(client.application), session)
    value = str(directory["maria"].id) if choice == "maria" else choice
    html = html_of(_approve_in_console(staff, request, contact=value), 400)
    assert "contact" in html
    session.expire_all()
    assert session.get(AccessRequest, request.id).status == "pending"
    assert session.scalars(select(User).where(User.email == MALLORY)).all() == []


def test_the_domain_checks_the_chosen_contact(client, session, clock, directory) -> None:
    request = _ask(client, session, MALLORY, "")
    options = {"admin": False, "billing": False, "now": clock(), "firm": FIRM, "decided_by": "x"}
    with pytest.raises(NotFound, match="no contact"):
        approve_request(
            session, request.id, account="1001", contact=directory["maria"].id, **options
        )
    issued = approve_request(session, request.id, account="1001", contact=NO_CONTACT, **options)
    assert issued.user.contact_id is None
