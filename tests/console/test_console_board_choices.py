"""The live board's technician choices (rendered once per page and reused in every row):
the requested technician comes preselected, names are escaped; and only unresolved
emergencies are listed."""

from __future__ import annotations

import re

from tests.support.emergencies import emergency
from tests.support.logins import as_staff
from tests.support.pages import html_of
from tests.support.tickets import request_ticket
from tests.support.users import make_user
from ticketing.directory import add_technician
from ticketing.models import TicketStatus


def schedule_choices(html: str, number: int) -> list[str]:
    """The <option>s of the schedule form of ticket #`number`."""
    form = re.search(rf'action="/console/requests/{number}/schedule".*?</form>', html, re.S)
    assert form is not None, f"no schedule form for #{number}"
    return re.findall(r"<option[^>]*>[^<]*</option>", form.group(0))


def test_each_request_preselects_its_preferred_technician(
    client, session, directory, clock
) -> None:
    user = make_user(
        session,
        "ann@bakery.example",
        client=directory["bakery"],
        role="client_admin",
        name="Ann Lee",
    )
    luis = request_ticket(
        session, directory["bakery"], user, "professional_service", "Rack", clock(),
        technician="Luis Romero",
    )  # fmt: skip
    anyone = request_ticket(session, directory["bakery"], user, "help_desk", "Email", clock())
    as_staff(client, session)
    html = html_of(client.get("/console/"))
    assert schedule_choices(html, luis.number) == [
        '<option value="Dana Whitfield">Dana Whitfield</option>',
        '<option value="Luis Romero" selected>Luis Romero</option>',
        '<option value="Priya Nair">Priya Nair</option>',
    ]
    assert not any("selected" in o for o in schedule_choices(html, anyone.number))


def test_technician_names_are_escaped_in_every_row(client, session, directory, clock) -> None:
    add_technician(session, 'Bo "<b>" & Co', "+13365550188")
    user = make_user(
        session,
        "ann@bakery.example",
        client=directory["bakery"],
        role="client_admin",
        name="Ann Lee",
    )
    first = request_ticket(session, directory["bakery"], user, "help_desk", "One", clock())
    second = request_ticket(session, directory["bakery"], user, "help_desk", "Two", clock())
    as_staff(client, session)
    html = html_of(client.get("/console/"))
    escaped = (
        '<option value="Bo &#34;&lt;b&gt;&#34; &amp; Co">Bo &#34;&lt;b&gt;&#34; &amp; Co</option>'
    )
    for ticket in (first, second):
        assert escaped in schedule_choices(html, ticket.number)
    assert "<b>" not in html


def test_a_resolved_emergency_leaves_the_board(client, session, directory, phone) -> None:
    ticket = emergency(phone, session)
    as_staff(client, session)
    assert f"#{ticket.number}</a>" in html_of(client.get("/console/"))
    ticket.status = TicketStatus.RESOLVED.value
    session.commit()
    html = html_of(client.get("/console/"))
    assert f"#{ticket.number}</a>" not in html and "No open emergencies." in html
