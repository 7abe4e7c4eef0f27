"""Who sees what: another company's ticket is a 404 whatever number is typed, a user sees
only their own tickets, staff and strangers never see a client's portal, and text that
came from callers (transcriptions, texts) is shown escaped."""

from __future__ import annotations

import pytest

from tests.support.abuse import SCRIPT
from tests.support.emergencies import emergency
from tests.support.logins import log_in
from tests.support.pages import html_of
from tests.support.people import DANA
from tests.support.replies import text
from ticketing.models import Ticket

# Not tests.support.abuse.IMG: the escaped form asserted below is this one's.
IMG = '"><img src=x onerror=alert(2)>'
PAGES = [
    "/portal/",
    "/portal/tickets",
    "/portal/requests/new",
    "/portal/requests/new?kind=professional_service",
    "/portal/requests/new?kind=emergency",
    "/portal/agreements",
    "/portal/retainer",
]


def _ticket_routes(number: int) -> list[tuple[str, str]]:
    return [
        ("get", f"/portal/tickets/{number}"),
        ("post", f"/portal/tickets/{number}/retainer"),
    ]


def test_another_companys_ticket_is_404_everywhere(client, portal, session) -> None:
    log_in(client, portal.mallory)  # the diner's administrator
    for number in (portal.emergency.number, portal.help_desk.number, portal.professional.number):
        for method, url in _ticket_routes(number):
            html_of(getattr(client, method)(url, data={"choice": "apply"}), 404)
    log_in(client, portal.alice)
    for method, url in _ticket_routes(portal.diners.number):
        html_of(getattr(client, method)(url, data={"choice": "apply"}), 404)
    session.expire_all()
    assert not session.get(Ticket, portal.diners.number).apply_retainer
    assert not session.get(Ticket, portal.professional.number).apply_retainer


@pytest.mark.parametrize("number", [0, 1, 999, 99999, 2**31, 10**30])
def test_numbers_that_name_no_visible_ticket_are_404(client, portal, number) -> None:
    log_in(client, portal.alice)
    for method, url in _ticket_routes(number):
        html_of(getattr(client, method)(url, data={"choice": "apply"}), 404)


def test_company_pages_show_nothing_of_another_company(client, portal) -> None:
    log_in(client, portal.mallory)
    for url in ("/portal/", "/portal/tickets", "/portal/retainer", "/portal/agreements"):
        html = html_of(client.get(url))
        assert "Blue Ridge Bakery" not in html and "Printer offline" not in html
        assert "point of sale" not in html and "20 pre-paid hours" not in html
    assert "Diner fryer tablet" in html_of(client.get("/portal/tickets"))


def test_a_user_sees_only_their_own_tickets(client, portal) -> None:
    log_in(client, portal.carol)  # no contact: only what she asked for
    listed = html_of(client.get("/portal/tickets"))
    assert "1 ticket." in listed and f"#{portal.carols.number}" in listed
    html_of(client.get(f"/portal/tickets/{portal.carols.number}"))
    for other in (portal.emergency, portal.help_desk, portal.professional):
        html_of(client.get(f"/portal/tickets/{other.number}"), 404)
        assert f"#{other.number}" not in html_of(client.get("/portal/"))
    log_in(client, portal.bob)  # Jane's login: her calls
    listed = html_of(client.get("/portal/tickets"))
    assert f"#{portal.emergency.number}" in listed and f"#{portal.carols.number}" not in listed
    html_of(client.get(f"/portal/tickets/{portal.carols.number}"), 404)
    searched = html_of(client.get("/portal/tickets", query_string={"q": "printer"}))
    assert "0 tickets" in searched  # Carol's and Alice's printers are not his


def test_users_get_404_on_agreements_and_pre_paid_hours(client, portal) -> None:
    for user in (portal.bob, portal.carol):
        log_in(client, user)
        html_of(client.get("/portal/agreements"), 404)
        html_of(client.get("/portal/retainer"), 404)
        html = html_of(client.get("/portal/"))
        assert 'href="/portal/agreements"' not in html and 'href="/portal/retainer"' not in html


def test_staff_get_404_on_the_client_portal(client, portal) -> None:
    log_in(client, portal.staff)
    for url in PAGES:
        html_of(client.get(url), 404)
    for method, url in _ticket_routes(portal.emergency.number):
        html_of(getattr(client, method)(url, data={"choice": "apply"}), 404)


def test_strangers_are_sent_to_log_in(client, portal) -> None:
    urls = [*PAGES, f"/portal/tickets/{portal.emergency.number}"]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.location, url
    response = client.post(f"/portal/tickets/{portal.emergency.number}/retainer")
    assert response.status_code == 302 and "/login" in response.location


def test_a_stale_session_is_logged_out(client, portal, session) -> None:
    log_in(client, portal.alice)
    portal.alice.session_version += 1  # her password changed elsewhere
    session.commit()
    assert client.get("/portal/").status_code == 302


def test_callers_words_are_escaped(client, portal, session, phone, twilio) -> None:
    hostile = f"Help {SCRIPT} and {IMG}"
    ticket = emergency(phone, session, words=hostile)
    text(twilio, DANA, f"NE {ticket.number} {SCRIPT} {IMG}")  # a reason texted back
    session.expire_all()
    timeline = " ".join(e.message for e in session.get(Ticket, ticket.number).events)
    assert SCRIPT in timeline  # stored as sent: escaping is the page's job
    log_in(client, portal.alice)
    for url in (
        "/portal/",
        "/portal/tickets",
        f"/portal/tickets/{ticket.number}",
        "/portal/tickets?q=script",
    ):
        html = html_of(client.get(url))
        assert "<script>" not in html and "<img" not in html, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url
    detail = html_of(client.get(f"/portal/tickets/{ticket.number}"))
    assert "&#34;&gt;&lt;img src=x onerror=alert(2)&gt;" in detail
    # The transcription is the client's own; the texted reason is for staff and not shown.
    assert detail.count("&lt;script&gt;") == 1
