"""A person who reaches a page that does not exist, or is not theirs, sees the site's own
layout with a way back to their start page; machines (Twilio, the sandbox's API) keep
their plain answers."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.support.logins import log_in
from tests.support.portal import Portal

LAYOUT = 'class="skip" href="#main"'


def _page(client: FlaskClient, path: str, status: int) -> str:
    answer = client.get(path)
    assert answer.status_code == status
    assert answer.mimetype == "text/html"
    return answer.get_data(as_text=True)


def test_a_stranger_gets_the_layout_and_the_home_page(client: FlaskClient) -> None:
    html = _page(client, "/no/such/page", 404)
    assert LAYOUT in html and "Page not found" in html
    assert 'href="/"' in html and "Back to the home page" in html


def test_a_client_is_sent_back_to_their_portal(client: FlaskClient, portal: Portal) -> None:
    log_in(client, portal.alice)
    html = _page(client, "/portal/tickets/999999", 404)
    assert LAYOUT in html and 'href="/portal/"' in html and "Back to your portal" in html


def test_a_client_on_the_console_is_refused_with_a_way_back(
    client: FlaskClient, portal: Portal
) -> None:
    log_in(client, portal.alice)
    answer = client.get("/console/")
    assert answer.status_code in (403, 404)
    html = answer.get_data(as_text=True)
    assert LAYOUT in html and 'href="/portal/"' in html


def test_staff_are_sent_back_to_the_console(client: FlaskClient, portal: Portal) -> None:
    log_in(client, portal.staff)
    html = _page(client, "/console/tickets/999999", 404)
    assert LAYOUT in html and 'href="/console/"' in html


def test_twilio_hears_no_html(client: FlaskClient) -> None:
    answer = client.post("/twilio/voice", data={"CallSid": "CA" + "1" * 32})
    assert answer.status_code == 403
    assert LAYOUT not in answer.get_data(as_text=True)
