"""A client user cannot page the on-call staff again and again from the portal: a few
emergency requests per company per ten minutes, then the form says to call the line, and
nothing more is written or paged. Calls are never throttled."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from intake.clock import FrozenClock
from tests.support.logins import log_in
from tests.support.pages import html_of
from tests.support.rows import count_rows
from ticketing.models import OutboxMessage, ServiceClass, Ticket, TicketSource
from ticketing.service_requests.booking import PORTAL_EMERGENCY_LIMIT, PORTAL_EMERGENCY_WINDOW

FORM = "/portal/requests/new?kind=emergency"


def _portal_emergencies(session, client_id: int) -> int:
    found = session.scalars(
        select(Ticket).where(
            Ticket.client_id == client_id,
            Ticket.service_class == ServiceClass.EMERGENCY,
            Ticket.source == TicketSource.PORTAL,
        )
    )
    return len(list(found))


def _ask(client, n: int):
    return client.post(FORM, data={"description": f"Registers down, try {n}"})


def test_thirty_requests_in_a_row_page_only_a_few_times(client, portal, session) -> None:
    log_in(client, portal.alice)
    before = _portal_emergencies(session, portal.alice.client_id)
    answers = [_ask(client, n) for n in range(30)]
    session.expire_all()
    made = _portal_emergencies(session, portal.alice.client_id) - before
    assert made == max(PORTAL_EMERGENCY_LIMIT - before, 0)
    refused = [a for a in answers if a.status_code == 200]
    assert len(refused) == 30 - made
    assert "please call" in html_of(refused[-1]).lower()


def test_a_refusal_writes_and_pages_nothing(client, portal, session) -> None:
    log_in(client, portal.alice)
    for n in range(PORTAL_EMERGENCY_LIMIT):
        _ask(client, n)
    tickets, pages = count_rows(session, Ticket), count_rows(session, OutboxMessage)
    html = html_of(_ask(client, 99))
    assert "please call" in html.lower()
    session.expire_all()
    assert (count_rows(session, Ticket), count_rows(session, OutboxMessage)) == (tickets, pages)


def test_the_window_passes_and_requests_are_taken_again(
    client, portal, session, clock: FrozenClock
) -> None:
    log_in(client, portal.alice)
    for n in range(PORTAL_EMERGENCY_LIMIT + 1):
        _ask(client, n)
    clock.advance(PORTAL_EMERGENCY_WINDOW + timedelta(seconds=1))
    assert _ask(client, 100).status_code == 302
