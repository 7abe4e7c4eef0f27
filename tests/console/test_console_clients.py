"""The console's clients pages: companies, contacts (validated phones in national format),
agreements, portal users, and access requests approved or rejected; staff only."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from tests.support.abuse import SCRIPT
from tests.support.forms import post
from tests.support.logins import as_client_user, as_staff
from tests.support.moments import local
from tests.support.outbox import account_emails, link_path
from tests.support.pages import html_of
from tests.support.twilio import PUBLIC_BASE_URL
from ticketing.accounts.access_requests import submit_access_request
from ticketing.accounts.models import AccessRequest, User
from ticketing.billing.models import Agreement
from ticketing.firm import Firm
from ticketing.models import Client, Contact

ROUTES = [
    ("get", "/console/clients"),
    ("post", "/console/clients"),
    ("get", "/console/clients/{bakery}"),
    ("post", "/console/clients/{bakery}/contacts"),
    ("post", "/console/access-requests/{request}/approve"),
    ("post", "/console/access-requests/{request}/reject"),
]


def ask_access(session, name="Ann Baker", email="ann@bakery.test") -> AccessRequest:
    request = submit_access_request(
        session,
        name=name,
        company="Blue Ridge Bakery",
        email=email,
        phone="336-555-0144",
        message="I pay the invoices.",
        now=local("2026-12-05 20:00"),
        firm=Firm(name="Accelerando", base_url=PUBLIC_BASE_URL),
    )
    session.commit()
    return request


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_client_users_get_404(client, session, directory, method, path):
    request = ask_access(session)
    as_client_user(client, session, directory["bakery"])
    url = path.format(bakery=directory["bakery"].id, request=request.id)
    data = {"name": "X", "account": "1001", "phone": "3365550199"}
    response = client.get(url) if method == "get" else post(client, url, data)
    assert response.status_code == 404
    session.expire_all()
    assert session.get(AccessRequest, request.id).status == "pending"


def test_index_lists_companies_with_counts(client, session, directory, phone):
    call = phone("+13365550123")  # Jane of the bakery calls: an open emergency ticket
    call.ring()
    call.record()
    html = html_of(as_staff(client, session).get("/console/clients"))
    bakery = html.split("Blue Ridge Bakery</a>")[1].split("</tr>")[0]
    assert [cell.split("</td>")[0] for cell in bakery.split('class="num">')[1:]] == ["1", "1"]
    diner = html.split("Yadkin Valley Diner</a>")[1].split("</tr>")[0]
    assert "contact for payment" in diner  # no MSA


def test_add_a_client(client, session, directory):
    as_staff(client, session)
    data = {"name": "Pilot Mountain Books", "account": "2001", "msa": "on"}
    assert post(client, "/console/clients", data).status_code == 302
    session.expire_all()
    added = session.scalars(select(Client).where(Client.account_number == "2001")).one()
    assert (added.name, added.has_msa, added.has_emergency_agreement) == (
        "Pilot Mountain Books",
        True,
        False,
    )
    assert "Pilot Mountain Books" in html_of(client.get("/console/clients"))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "Dup", "account": "1001"}, "account 1001 already exists"),
        ({"name": "Short", "account": "12"}, "3 to 12 digits"),
        ({"name": " ", "account": "2002"}, "a client needs a name"),
    ],
)
def test_a_bad_client_is_refused(client, session, directory, data, message):
    as_staff(client, session)
    html = html_of(post(client, "/console/clients", data), 400)
    assert message in html
    session.expire_all()
    assert len(session.scalars(select(Client)).all()) == 2


def test_add_contact_bad_phone_refused_good_one_shown_national(client, session, directory):
    bakery = directory["bakery"].id
    as_staff(client, session)
    path = f"/console/clients/{bakery}/contacts"
    html = html_of(post(client, path, {"name": "Bo Baker", "phone": "555-12"}), 400)
    assert "is not a valid phone number" in html
    assert 'value="Bo Baker"' in html  # what was typed stays
    session.expire_all()
    assert session.scalars(select(Contact).where(Contact.name == "Bo Baker")).all() == []

    data = {"name": "Bo Baker", "phone": "336-555-0199", "email": "bo@bakery.test"}
    assert post(client, path, data).status_code == 302
    session.expire_all()
    added = session.scalars(select(Contact).where(Contact.name == "Bo Baker")).one()
    assert added.phone == "+13365550199"
    html = html_of(client.get(f"/console/clients/{bakery}"))
    assert "(336) 555-0199" in html.split('id="contacts"')[1].split("</table>")[0]


def test_client_page_shows_agreements_and_users(client, session, directory):
    bakery = directory["bakery"]
    session.add(
        Agreement(client_id=bakery.id, kind="msa", name="MSA 2026", starts_on=date(2026, 1, 1))
    )
    session.add(
        User(email="amy@bakery.test", name="Amy Admin", role="client_admin", client_id=bakery.id)
    )
    session.commit()
    html = html_of(as_staff(client, session).get(f"/console/clients/{bakery.id}"))
    assert "MSA 2026" in html and "Master Services Agreement" in html
    users = html.split('id="users"')[1]
    assert "Amy Admin" in users and "company administrator" in users


def test_unknown_client_is_404(client, session, directory):
    assert as_staff(client, session).get("/console/clients/99999").status_code == 404


def test_approve_an_access_request(client, session, directory):
    request = ask_access(session)
    as_staff(client, session, name="Sam Staff")
    html = html_of(client.get("/console/clients"))
    assert "Ann Baker" in html.split('id="requests-h"')[1]
    data = {"account": "1001", "billing": "on"}
    response = post(client, f"/console/access-requests/{request.id}/approve", data)
    assert response.status_code == 302
    session.expire_all()
    user = session.scalars(select(User).where(User.email == "ann@bakery.test")).one()
    assert (user.client_id, user.role, user.can_view_billing) == (
        directory["bakery"].id,
        "client_user",
        True,
    )
    assert session.get(AccessRequest, request.id).decided_by == "Sam Staff"
    (email,) = account_emails(session, to="ann@bakery.test")
    assert link_path(email.body).startswith("/set-password/")
    assert "Ann Baker" not in html_of(client.get("/console/clients")).split('id="requests-h"')[1]
    assert "Ann Baker" in html_of(client.get(f"/console/clients/{directory['bakery'].id}"))


def test_approve_into_an_unknown_account_is_refused(client, session, directory):
    request = ask_access(session)
    as_staff(client, session)
    path = f"/console/access-requests/{request.id}/approve"
    html = html_of(post(client, path, {"account": "9999"}), 400)
    assert "no client has account number 9999" in html
    session.expire_all()
    assert session.get(AccessRequest, request.id).status == "pending"
    assert session.scalars(select(User).where(User.email == "ann@bakery.test")).all() == []


def test_reject_an_access_request(client, session, directory):
    request = ask_access(session)
    as_staff(client, session)
    path = f"/console/access-requests/{request.id}/reject"
    assert post(client, path, {"reason": "We do not know you."}).status_code == 302
    session.expire_all()
    assert session.get(AccessRequest, request.id).status == "rejected"
    (email,) = account_emails(session, to="ann@bakery.test")
    assert "We do not know you." in email.body
    html = html_of(post(client, path, {"reason": "again"}), 400)
    assert "already rejected" in html


def test_names_are_escaped(client, session, directory):
    directory["bakery"].name = SCRIPT
    session.add(Contact(client_id=directory["bakery"].id, name=SCRIPT, phone="+13365550198"))
    session.commit()
    ask_access(session, name=SCRIPT)
    as_staff(client, session)
    for path in ("/console/clients", f"/console/clients/{directory['bakery'].id}"):
        html = html_of(client.get(path))
        assert SCRIPT not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
