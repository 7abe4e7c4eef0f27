"""Ticket actions from the console: each works, names the staff user who acted on the
timeline, refuses bad input with the reason on the page and changes nothing then."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.support.emergencies import emergency
from tests.support.forms import post
from tests.support.logins import STAFF_NAME, as_staff
from tests.support.outbox import outbox
from tests.support.pages import html_of
from tests.support.rows import fresh
from tests.support.tickets import events, request_ticket
from tests.support.users import make_user
from ticketing.billing.models import TimeEntry
from ticketing.models import OutboxMessage, Ticket


def _url(ticket: Ticket, action: str = "") -> str:
    return f"/console/tickets/{ticket.number}" + (f"/{action}" if action else "")


def test_list_shows_every_clients_tickets_with_filters(client, session, directory, phone) -> None:
    bakery = emergency(phone, session, "+13365550123")
    diner = emergency(phone, session, "+13365550167")
    as_staff(client, session)
    html = html_of(client.get("/console/tickets"))
    assert f"#{bakery.number}" in html and f"#{diner.number}" in html
    html = html_of(client.get(f"/console/tickets?client={directory['diner'].id}"))
    assert f"#{diner.number}" in html and f"#{bakery.number}<" not in html
    html = html_of(client.get("/console/tickets?status=resolved"))
    assert "0 tickets" in html
    assert (
        html_of(client.get("/console/tickets?q=555-0167&page=zz")).count("/console/tickets/") == 1
    )


def test_detail_shows_timeline_actors_and_notifications(client, session, directory, phone) -> None:
    ticket = emergency(phone, session)
    as_staff(client, session)
    html = html_of(client.get(_url(ticket)))
    assert "UNACKNOWLEDGED" in html and "step 1 of 8" in html
    assert "Timeline" in html and "· system" in html
    assert "(336) 555-0101" in html  # Dana's page, in the notifications table
    assert client.get("/console/tickets/99999999999").status_code == 404
    assert client.get("/console/tickets/987654").status_code == 404


def test_acknowledge_as_a_technician(client, session, directory, phone) -> None:
    ticket = emergency(phone, session)
    as_staff(client, session)
    response = post(client, _url(ticket, "acknowledge"), {"technician": "Luis Romero"})
    assert response.status_code == 303
    ticket = fresh(session, ticket)
    assert ticket.status == "acknowledged" and ticket.acknowledged_by.name == "Luis Romero"
    [event] = events(session, ticket.id, "acknowledged")
    assert f"by {STAFF_NAME}" in event.message
    # Twice: refused with the reason, nothing more happens.
    again = post(client, _url(ticket, "acknowledge"), {"technician": "Dana Whitfield"})
    assert again.status_code == 400 and "already acknowledged by Luis Romero" in again.text
    assert len(events(session, ticket.id, "acknowledged")) == 1


def test_acknowledge_refuses_bad_input(client, session, directory, phone) -> None:
    ticket = emergency(phone, session)
    as_staff(client, session)
    for data in ({}, {"technician": "Nobody"}):
        response = post(client, _url(ticket, "acknowledge"), data)
        assert response.status_code == 400
        assert 'role="alert"' in response.text
    assert fresh(session, ticket).status == "open"


def test_assign_and_unassign(client, session, directory, phone) -> None:
    ticket = emergency(phone, session)
    as_staff(client, session)
    post(client, _url(ticket, "assign"), {"technician": "Priya Nair"})
    assert fresh(session, ticket).assigned_to.name == "Priya Nair"
    post(client, _url(ticket, "assign"), {"technician": ""})
    assert fresh(session, ticket).assigned_to_id is None
    lines = [(e.message, e.actor) for e in events(session, ticket.id, "assigned")]
    assert lines == [("Assigned to Priya Nair.", STAFF_NAME), ("Assignment removed.", STAFF_NAME)]
    assert post(client, _url(ticket, "assign"), {"technician": "Ghost"}).status_code == 400


def test_reclassify_sends_the_representative_notice_once(client, session, directory, phone) -> None:
    ticket = emergency(phone, session)
    as_staff(client, session)
    refused = post(client, _url(ticket, "reclassify"), {"technician": "Dana Whitfield"})
    assert refused.status_code == 400 and "The reason is required" in refused.text
    assert fresh(session, ticket).service_class == "emergency"
    data = {"technician": "Dana Whitfield", "reason": "One printer is out; the shop is open."}
    assert post(client, _url(ticket, "reclassify"), data).status_code == 303
    ticket = fresh(session, ticket)
    assert ticket.service_class == "help_desk"
    assert post(client, _url(ticket, "reclassify"), data).status_code == 400
    notices = outbox(session, ticket_id=ticket.id, kind="notice")
    told = [n for n in notices if n.dedupe_key.startswith("ne-notice")]
    # Jane has no email address on file: one SMS, once, however often it is posted.
    assert [(n.channel, n.to_number) for n in told] == [("sms", "+13365550123")]
    [line] = events(session, ticket.id, "reclassified")
    assert STAFF_NAME in line.message and "One printer is out" in line.message


def test_note_is_signed_by_the_staff_user_and_escaped(client, session, directory, phone) -> None:
    ticket = emergency(phone, session)
    as_staff(client, session)
    assert post(client, _url(ticket, "note"), {"note": "  "}).status_code == 400
    post(client, _url(ticket, "note"), {"note": "Called back <script>x()</script>"})
    [line] = events(session, ticket.id, "note")
    assert line.actor == STAFF_NAME
    html = html_of(client.get(_url(ticket)))
    assert "&lt;script&gt;x()&lt;/script&gt;" in html and "<script>x()" not in html


def test_log_time(client, session, directory, phone) -> None:
    ticket = emergency(phone, session)
    as_staff(client, session)
    data = {"technician": "Dana Whitfield", "started_at": "2026-12-05T23:10", "minutes": "50"}
    bad = post(client, _url(ticket, "time"), {**data, "minutes": "ten"})
    assert bad.status_code == 400 and "whole number" in bad.text
    assert 'value="2026-12-05T23:10"' in bad.text  # what was typed is kept
    assert post(client, _url(ticket, "time"), {**data, "started_at": "later"}).status_code == 400
    early = post(client, _url(ticket, "time"), {**data, "started_at": "2026-12-05T22:15"})
    assert early.status_code == 400 and "before ticket" in early.text  # the call came at 23:10
    assert session.scalar(select(func.count()).select_from(TimeEntry)) == 0
    assert post(client, _url(ticket, "time"), {**data, "note": "Router"}).status_code == 303
    [entry] = session.scalars(select(TimeEntry)).all()
    assert (entry.minutes, entry.logged_by, entry.technician.name) == (
        50,
        STAFF_NAME,
        "Dana Whitfield",
    )
    assert entry.started_at.hour == 4  # 11:10 PM EST is 04:10 UTC the next day
    assert events(session, ticket.id, "time")[0].actor == STAFF_NAME
    assert "Router" in html_of(client.get(_url(ticket)))


def test_resolve_then_open_the_follow_up(client, session, directory, phone) -> None:
    ticket = emergency(phone, session)
    as_staff(client, session)
    html_of(client.get(_url(ticket)))
    assert post(client, _url(ticket, "follow-up")).status_code == 400  # not resolved yet
    assert (
        post(client, _url(ticket, "resolve"), {"technician": "Dana Whitfield"}).status_code == 303
    )
    ticket = fresh(session, ticket)
    assert (
        ticket.status == "resolved"
        and f"by {STAFF_NAME}" in events(session, ticket.id, "resolved")[0].message
    )
    html = html_of(client.get(_url(ticket)))
    assert "Open a follow-up ticket for a long-term solution in business hours" in html
    assert post(client, _url(ticket, "follow-up")).status_code == 303
    follow_up = session.scalar(select(Ticket).where(Ticket.follow_up_of_id == ticket.id))
    assert follow_up.service_class == "help_desk" and follow_up.client_id == ticket.client_id
    assert [e.actor for e in events(session, follow_up.id, "follow_up")] == [STAFF_NAME]
    assert f"#{follow_up.number}" in events(session, ticket.id, "follow_up")[0].message
    html = html_of(client.get(_url(ticket)))
    assert f'href="/console/tickets/{follow_up.number}"' in html
    assert "Open a follow-up ticket" not in html
    assert f'href="/console/tickets/{ticket.number}"' in html_of(client.get(_url(follow_up)))
    # It waits on the board to be scheduled in business hours.
    assert f"#{follow_up.number}" in html_of(client.get("/console/board/panels"))
    # Offered once: a second post makes nothing.
    assert post(client, _url(ticket, "follow-up")).status_code == 400
    assert (
        len(session.scalars(select(Ticket).where(Ticket.follow_up_of_id == ticket.id)).all()) == 1
    )
    assert (
        post(client, _url(ticket, "resolve"), {"technician": "Dana Whitfield"}).status_code == 400
    )


def test_actions_need_a_csrf_token(app, client, session, directory, phone) -> None:
    ticket = emergency(phone, session)
    as_staff(client, session)
    response = client.post(_url(ticket, "note"), data={"note": "forged"})
    assert response.status_code == 400
    assert events(session, ticket.id, "note") == []


def test_a_help_desk_ticket_is_not_acknowledged(client, session, directory, clock) -> None:
    user = make_user(
        session,
        "ann@bakery.example",
        client=directory["bakery"],
        role="client_admin",
        name="Ann Lee",
    )
    ticket = request_ticket(session, directory["bakery"], user, "help_desk", "Email", clock())
    as_staff(client, session)
    html = html_of(client.get(_url(ticket)))
    assert "Acknowledge as this technician" not in html and "Service request" in html
    response = post(client, _url(ticket, "acknowledge"), {"technician": "Luis Romero"})
    assert response.status_code == 400 and "assign this ticket instead" in response.text
    assert (
        session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(
                OutboxMessage.ticket_id == ticket.id,
                OutboxMessage.kind == "notice",
                OutboxMessage.dedupe_key.like("ack-notice%"),
            )
        )
        == 0
    )
