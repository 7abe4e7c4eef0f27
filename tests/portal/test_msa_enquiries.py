"""The public contact form for information about a Master Services Agreement: it needs the
page's CSRF token, takes a few submissions an hour from one address (then 429, call us),
and is delivered to every active member of staff by email through the outbox, as typed
(plain text), never to the address the stranger typed."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support.forms import post_form, session_csrf_token
from tests.support.pages import html_of
from tests.support.users import make_user
from ticketing.accounts.access_limits import DEFAULT_LIMITS
from ticketing.models import OutboxMessage

pytestmark = pytest.mark.usefixtures("portal_files")

ENQUIRY = {
    "name": "Pat <script>alert(1)</script> Baker",
    "company": "Blue Ridge Bakery",
    "email": "pat@blueridgebakery.example",
    "phone": "(336) 555-0142",
    "message": "What does an MSA cost for a bakery with two shops?",
}


def _to_staff(session: Session) -> list[OutboxMessage]:
    session.expire_all()
    stmt = select(OutboxMessage).where(OutboxMessage.kind == "staff").order_by(OutboxMessage.id)
    return list(session.scalars(stmt))


@pytest.fixture
def staff(session: Session):
    """Priya, the firm's member of staff."""
    user = make_user(session, "priya@firm.example", role="staff")
    session.commit()
    return user


def test_an_enquiry_reaches_staff_by_email(client: FlaskClient, session, staff) -> None:
    page = html_of(client.get("/contact"))
    assert "Master Services Agreement" in page and 'name="csrf_token"' in page

    sent = post_form(client, "/contact", ENQUIRY)

    assert sent.status_code == 302 and sent.headers["Location"] == "/contact/received"
    [email] = _to_staff(session)
    assert email.to_address == "priya@firm.example" and email.channel == "email"
    assert email.subject.startswith("Master Services Agreement: information asked by Pat")
    assert ENQUIRY["message"] in email.body and ENQUIRY["email"] in email.body
    assert "+13365550142" in email.body or "(336) 555-0142" in email.body
    assert "Thank you" in html_of(client.get("/contact/received"))


def test_without_the_csrf_token_nothing_is_sent(client: FlaskClient, session, staff) -> None:
    refused = client.post("/contact", data=ENQUIRY)

    assert refused.status_code == 400
    assert _to_staff(session) == []


def test_what_was_typed_is_shown_escaped(client: FlaskClient, session, staff) -> None:
    answer = post_form(client, "/contact", {**ENQUIRY, "email": "not an address"})

    page = html_of(answer, 200)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page
    assert _to_staff(session) == []


def test_a_flood_from_one_address_is_refused(client: FlaskClient, session, staff) -> None:
    def ask(n: int):
        form = {**ENQUIRY, "email": f"r{n}@spam.example", "csrf_token": session_csrf_token(client)}
        return client.post("/contact", data=form, environ_base={"REMOTE_ADDR": "203.0.113.9"})

    answers = [ask(n) for n in range(DEFAULT_LIMITS.per_address + 3)]

    assert [a.status_code for a in answers[-3:]] == [429] * 3
    assert "call us" in html_of(answers[-1], 429).lower()
    assert len(_to_staff(session)) == DEFAULT_LIMITS.per_address
