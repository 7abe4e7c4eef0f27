"""The audit trail under a real evening: a caller's emergency and the technician's texted
ACK write nothing to it (they are not the firm's changes); the staff member who takes over
in the console, the client administrator in the portal and a removed closure all show,
with who, when and what, in the console's trail and on the objects' pages; a client never
sees it; and a deleted object's history stays."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.support.audit import trail
from tests.support.emergencies import emergency
from tests.support.forms import post
from tests.support.logins import as_client_user, as_staff, log_in
from tests.support.pages import html_of
from tests.support.people import DANA
from tests.support.replies import text
from ticketing.calendar.models import CalendarDay


def test_an_evening_in_the_trail(app, client, session, directory, phone, twilio, clock) -> None:
    # The caller and the technician: Twilio's webhooks change tickets, record nothing.
    ticket = emergency(phone, session, words="The freezer alarm is going off.")
    text(twilio, DANA, f"ACK {ticket.number}")
    assert trail(session) == []

    # Staff take over in the console.
    clock.advance(timedelta(minutes=20))
    as_staff(client, session)
    form = {"note": "Dana is on site; <b>freezer</b> back at -18 °C."}
    assert post(client, f"/console/tickets/{ticket.number}/note", form).status_code == 303
    assert (
        post(
            client, "/console/calendar/closures", {"day": "2026-12-31", "name": "Inventory"}
        ).status_code
        == 302
    )
    clock.advance(timedelta(minutes=5))
    assert post(client, "/console/calendar/edits/remove", {"day": "2026-12-31"}).status_code == 302
    assert session.scalar(select(CalendarDay)) is None

    # The client's administrator, in the portal, on another device.
    admin_browser = app.test_client()
    admin = as_client_user(admin_browser, session, directory["bakery"], name="Ada Admin")
    clock.advance(timedelta(minutes=5))
    answer = post(
        admin_browser,
        "/portal/requests/new?kind=help_desk",
        {"description": "Check the fridge too."},
    )
    assert answer.status_code == 302

    session.expire_all()
    entries = trail(session)
    assert [(e.source, e.subject_type, e.action) for e in entries] == [
        ("console", "ticket", "updated"),
        ("console", "calendar day", "created"),
        ("console", "calendar day", "deleted"),
        ("portal", "ticket", "created"),
        ("portal", "service request", "created"),
    ]
    assert entries[0].after == {"timeline": [f"note: {form['note']}"]}
    assert entries[-1].actor == f"Ada Admin <{admin.email}>"
    assert entries[-2].after is not None and entries[-2].after["source"] == "portal"
    assert [e.at for e in entries] == sorted(e.at for e in entries)

    # The console shows the evening newest first, people's words escaped.
    page = client.get("/console/audit").get_data(as_text=True)
    html = page[page.index('<table id="audit"') :]
    assert html.index("Ada Admin") < html.index("Inventory") < html.index(f"#{ticket.number}")
    assert "<b>freezer</b>" not in html and "&lt;b&gt;freezer&lt;/b&gt;" in html
    deleted = html_of(client.get("/console/audit?type=calendar+day&action=deleted"))
    assert "1 entry" in deleted and "2026-12-31: Inventory" in deleted

    # The client never sees it.
    assert admin_browser.get("/console/audit").status_code == 404
    log_in(admin_browser, admin)
    assert "Audit trail" not in html_of(admin_browser.get("/portal/"))
