"""The portal's service request forms (help desk, professional service, emergency) and the
choice to apply pre-paid hours to a ticket."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from tests.support.logins import log_in
from tests.support.pages import html_of
from tests.support.rows import count_rows
from ticketing.billing import retainer
from ticketing.models import OutboxMessage, Ticket
from ticketing.service_requests.models import ServiceRequest


def test_apply_and_undo_pre_paid_hours(client, portal, session) -> None:
    number = portal.professional.number
    log_in(client, portal.alice)
    html = html_of(
        client.post(
            f"/portal/tickets/{number}/retainer", data={"choice": "apply"}, follow_redirects=True
        )
    )
    assert "Alice Baker chose to apply pre-paid hours" in html
    session.expire_all()
    assert session.get(Ticket, number).apply_retainer
    html = html_of(
        client.post(
            f"/portal/tickets/{number}/retainer", data={"choice": "undo"}, follow_redirects=True
        )
    )
    assert "Alice Baker chose not to apply pre-paid hours" in html
    session.expire_all()
    assert not session.get(Ticket, number).apply_retainer


def test_no_undo_once_hours_were_drawn(client, portal, session) -> None:
    number = portal.emergency.number
    html = html_of(
        log_in(client, portal.alice).post(
            f"/portal/tickets/{number}/retainer", data={"choice": "undo"}, follow_redirects=True
        )
    )
    assert "already drawn" in html
    assert "Don&#39;t apply pre-paid hours" not in html
    session.expire_all()
    assert session.get(Ticket, number).apply_retainer


def test_no_apply_without_a_balance(client, portal, session, clock) -> None:
    ticket = session.get(Ticket, portal.professional.number)
    retainer.draw(
        session,
        portal.emergency,
        Decimal(2),
        emergency=True,
        multiplier=Decimal("1.5"),
        now=clock(),
    )
    session.commit()
    assert retainer.balance(session, ticket.client_id) == 0
    log_in(client, portal.alice)
    html = html_of(client.get(f"/portal/tickets/{ticket.number}"))
    assert "Apply my pre-paid hours" not in html and "no pre-paid hours to apply" in html
    html = html_of(
        client.post(
            f"/portal/tickets/{ticket.number}/retainer",
            data={"choice": "apply"},
            follow_redirects=True,
        )
    )
    assert "There are no pre-paid hours left to apply." in html
    session.expire_all()
    assert not session.get(Ticket, ticket.number).apply_retainer


def test_only_admins_and_the_requester_choose(client, portal, session) -> None:
    mine = portal.carols.number
    log_in(client, portal.carol)
    assert "Apply my pre-paid hours" in html_of(client.get(f"/portal/tickets/{mine}"))
    html_of(client.post(f"/portal/tickets/{mine}/retainer", data={"choice": "apply"}), 302)
    bob = log_in(client, portal.bob)  # sees Jane's call, did not request it
    html = html_of(bob.get(f"/portal/tickets/{portal.emergency.number}"))
    assert "<form" not in html.split("Pre-paid hours</h2>")[1].split("Timeline")[0]
    html_of(
        bob.post(f"/portal/tickets/{portal.emergency.number}/retainer", data={"choice": "undo"}),
        403,
    )


def test_help_desk_request(client, portal, session) -> None:
    before = count_rows(session, Ticket)
    response = log_in(client, portal.bob).post(
        "/portal/requests/new?kind=help_desk", data={"description": "Label printer jams"}
    )
    assert response.status_code == 302
    ticket = session.scalars(select(Ticket).order_by(Ticket.id.desc()).limit(1)).one()
    assert response.location.endswith(f"/portal/tickets/{ticket.number}")
    assert count_rows(session, Ticket) == before + 1
    assert ticket.service_class == "help_desk" and ticket.source == "portal"
    assert ticket.requested_by_user_id == portal.bob.id and ticket.contact.name == "Jane Doe"
    html = html_of(client.get(response.location))
    assert "No work-order approval is needed" in html and "Label printer jams" in html


def test_professional_service_request(client, portal, session) -> None:
    form = {
        "description": "Move the back-office PC",
        "technician": "Priya Nair",
        "windows-0-start": "2026-12-08T09:00",
        "windows-0-end": "2026-12-08T12:00",
        "windows-1-start": "2026-12-10T13:30",
        "windows-1-end": "2026-12-10T15:00",
        "hour_limit": "3.5",
    }
    response = log_in(client, portal.alice).post(
        "/portal/requests/new?kind=professional_service", data=form
    )
    assert response.status_code == 302
    ticket = session.scalars(select(Ticket).order_by(Ticket.id.desc()).limit(1)).one()
    request = session.scalars(
        select(ServiceRequest).where(ServiceRequest.ticket_id == ticket.id)
    ).one()
    assert ticket.service_class == "professional_service"
    assert request.preferred_technician.name == "Priya Nair"
    assert request.hour_limit == Decimal("3.50") and request.requested_by == "Alice Baker"
    # Typed on the New York wall clock: 9:00 EST is 14:00 UTC.
    assert [w.starts_at.hour for w in request.windows] == [14, 18]
    html = html_of(client.get(response.location))
    assert "Tue 12/8/2026 9:00 AM EST to Tue 12/8/2026 12:00 PM EST" in html


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"description": ""}, "Describe what you need."),
        ({"description": "x", "windows-0-start": "2026-12-08T09:00"}, "needs both a start"),
        (
            {
                "description": "x",
                "windows-0-start": "2026-12-08T09:00",
                "windows-0-end": "2026-12-08T08:00",
            },
            "ends before it starts",
        ),
        (
            {
                "description": "x",
                "windows-0-start": "2026-12-01T09:00",
                "windows-0-end": "2026-12-01T10:00",
            },
            "in the past",
        ),
        ({"description": "x", "hour_limit": "lots"}, "Not a valid decimal value"),
        ({"description": "x", "hour_limit": "0"}, "more than 0 hours"),
        ({"description": "x", "technician": "Nobody"}, "Not a valid choice"),
    ],
)
def test_invalid_request_saves_nothing(client, portal, session, form, message) -> None:
    before = (count_rows(session, Ticket), count_rows(session, ServiceRequest))
    response = log_in(client, portal.alice).post(
        "/portal/requests/new?kind=professional_service", data=form
    )
    html = html_of(response)
    assert message.replace("'", "&#39;") in html
    for key, value in form.items():
        if key.startswith("windows"):
            assert f'value="{value}"' in html  # what was typed is kept
    assert (count_rows(session, Ticket), count_rows(session, ServiceRequest)) == before


def test_emergency_request_pages_and_says_call(client, portal, session) -> None:
    log_in(client, portal.alice)
    assert "(888) 899-1911 is the fastest way" in html_of(
        client.get("/portal/requests/new?kind=emergency")
    )
    pages_before = count_rows(session, OutboxMessage)
    response = client.post(
        "/portal/requests/new?kind=emergency", data={"description": "Card terminals all offline"}
    )
    assert response.status_code == 302
    html = html_of(client.get(response.location))
    assert "Calling (888) 899-1911 is the fastest way" in html
    ticket = session.scalars(select(Ticket).order_by(Ticket.id.desc()).limit(1)).one()
    assert ticket.service_class == "emergency" and ticket.requested_by_user_id == portal.alice.id
    new = list(session.scalars(select(OutboxMessage).where(OutboxMessage.ticket_id == ticket.id)))
    assert count_rows(session, OutboxMessage) > pages_before
    assert any(m.kind == "page" and m.to_number == "+13365550101" for m in new)


def test_unknown_request_kind_is_404(client, portal) -> None:
    html_of(log_in(client, portal.alice).get("/portal/requests/new?kind=plumbing"), 404)


def test_csrf_is_enforced_on_requests(app, client, portal, session) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    before = count_rows(session, Ticket)
    log_in(client, portal.alice)
    response = client.post("/portal/requests/new?kind=help_desk", data={"description": "x"})
    assert response.status_code == 400
    response = client.post(
        f"/portal/tickets/{portal.professional.number}/retainer", data={"choice": "apply"}
    )
    assert response.status_code == 400
    assert count_rows(session, Ticket) == before
    html = html_of(client.get("/portal/requests/new?kind=help_desk"))
    assert 'name="csrf_token"' in html
