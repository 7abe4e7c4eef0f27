"""The live board: emergencies (who has them, or how far paging got), the help-desk
queue with its waits and "take next caller", requests to schedule; the panels endpoint
the board's script refreshes from."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.support.emergencies import emergency
from tests.support.forms import post
from tests.support.logins import as_staff
from tests.support.outbox import outbox
from tests.support.pages import html_of
from tests.support.rows import fresh
from tests.support.tickets import events, help_desk_caller, request_ticket
from tests.support.users import make_user
from ticketing.models import Ticket
from ticketing.paging.escalation import sweep_escalations
from ticketing.paging.models import Escalation
from ticketing.paging.responses import acknowledge
from ticketing.service_requests.models import ServiceRequest


def test_board_shows_an_unacknowledged_emergency_with_its_step(
    client, session, directory, phone, clock
) -> None:
    ticket = emergency(phone, session)
    as_staff(client, session)
    html = html_of(client.get("/console/"))
    assert f"#{ticket.number}" in html and "Blue Ridge Bakery" in html
    assert "UNACKNOWLEDGED" in html and "step 1 of 8" in html
    # Eleven minutes on, the primary's call and the secondary's step have fired too.
    sweep_escalations(session, clock.advance(timedelta(minutes=11)))
    session.commit()
    assert "step 3 of 8" in html_of(client.get("/console/"))


def test_board_highlights_an_exhausted_escalation(client, session, directory, phone) -> None:
    ticket = emergency(phone, session)
    escalation = session.scalar(select(Escalation).where(Escalation.ticket_id == ticket.id))
    escalation.status = "exhausted"
    session.commit()
    as_staff(client, session)
    html = html_of(client.get("/console/"))
    assert 'class="exhausted"' in html and "EXHAUSTED" in html


def test_board_shows_who_acknowledged(client, session, directory, phone, clock) -> None:
    ticket = emergency(phone, session)
    acknowledge(session, ticket, directory["dana"], now=clock(), via="SMS")
    session.commit()
    as_staff(client, session)
    html = html_of(client.get("/console/"))
    assert "Acknowledged by <strong>Dana Whitfield</strong>" in html
    assert "UNACKNOWLEDGED" not in html


def test_board_shows_the_queue_and_takes_the_next_caller(client, session, directory, clock) -> None:
    help_desk_caller(
        session,
        directory["bakery"].id,
        "+13365550123",
        "CA" + "1" * 32,
        clock() - timedelta(minutes=4),
    )
    help_desk_caller(
        session,
        directory["diner"].id,
        "+13365550167",
        "CA" + "2" * 32,
        clock() - timedelta(seconds=30),
    )
    as_staff(client, session)
    html = html_of(client.get("/console/"))
    assert "2 waiting" in html and "4 min" in html and "30 s" in html
    # Nothing in history: each caller ahead counts the default 10 minutes.
    assert "10 min" in html and "20 min" in html
    assert "(336) 555-0167" in html
    response = post(client, "/console/board/take-next", {"technician": "Luis Romero"})
    assert response.status_code == 303
    calls = outbox(session, kind="helpdesk")
    assert [(c.channel, c.to_number) for c in calls] == [("call", "+13365550102")]
    assert "Calling Luis Romero" in html_of(client.get("/console/"))


def test_take_next_refuses_an_unknown_technician_and_an_empty_queue(
    client, session, directory
) -> None:
    as_staff(client, session)
    post(client, "/console/board/take-next", {"technician": "Nobody Here"})
    assert "no technician named" in html_of(client.get("/console/"))
    post(client, "/console/board/take-next", {"technician": "Luis Romero"})
    assert "nobody is waiting" in html_of(client.get("/console/"))
    assert outbox(session, kind="helpdesk") == []


def test_board_lists_requests_to_schedule_and_schedules_one(
    client, session, directory, clock
) -> None:
    user = make_user(
        session,
        "ann@bakery.example",
        client=directory["bakery"],
        role="client_admin",
        name="Ann Lee",
    )
    ticket = request_ticket(
        session, directory["bakery"], user, "professional_service", "New <b>server</b>", clock()
    )
    as_staff(client, session)
    html = html_of(client.get("/console/"))
    assert "Requests to schedule (1)" in html and "New &lt;b&gt;server&lt;/b&gt;" in html
    response = post(
        client,
        f"/console/requests/{ticket.number}/schedule",
        {"technician": "Luis Romero", "start": "2026-12-08T09:00"},
    )
    assert response.status_code == 303
    request = session.scalar(select(ServiceRequest).where(ServiceRequest.ticket_id == ticket.id))
    request = fresh(session, request)
    assert request.scheduled_technician.name == "Luis Romero"
    assert request.scheduled_start.hour == 14  # 9 AM EST is 14:00 UTC
    assert [e.actor for e in events(session, ticket.id, "scheduled")] == ["Sam Okafor"]
    assert "Requests to schedule (0)" in html_of(client.get("/console/"))


def test_scheduling_refuses_a_time_in_the_past(client, session, directory, clock) -> None:
    user = make_user(
        session,
        "ann@bakery.example",
        client=directory["bakery"],
        role="client_admin",
        name="Ann Lee",
    )
    ticket = request_ticket(session, directory["bakery"], user, "help_desk", "Email", clock())
    as_staff(client, session)
    post(
        client,
        f"/console/requests/{ticket.number}/schedule",
        {"technician": "Luis Romero", "start": "2026-12-01T09:00"},
    )
    assert "in the past" in html_of(client.get("/console/"))
    post(
        client,
        f"/console/requests/{ticket.number}/schedule",
        {"technician": "Luis Romero", "start": "soon"},
    )
    assert "must be a date and time" in html_of(client.get("/console/"))
    assert events(session, ticket.id, "scheduled") == []


def test_panels_endpoint_returns_only_the_panels(client, session, directory, phone) -> None:
    ticket = emergency(phone, session)
    as_staff(client, session)
    html = html_of(client.get("/console/board/panels"))
    assert f"#{ticket.number}" in html and "Help-desk queue" in html
    assert "<html" not in html and "<nav" not in html
    board = html_of(client.get("/console/"))
    assert 'data-refresh-url="/console/board/panels"' in board
    assert "console_board.js" in board and ">Refresh</a>" in board
    assert "<script>" not in board  # no inline script: the CSP forbids it


def test_resolved_emergencies_leave_the_board(client, session, directory, phone, clock) -> None:
    ticket = emergency(phone, session)
    ticket.status = "resolved"
    session.commit()
    as_staff(client, session)
    assert f"#{ticket.number}" not in html_of(client.get("/console/board/panels"))
    assert session.get(Ticket, ticket.id) is not None
