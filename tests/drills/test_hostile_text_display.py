"""Hostile text from every way in (portal forms, console forms, the phone: a caller's
transcription, a technician's text, a caller ID) is shown escaped on every page that
displays it, and the live board's script never turns data into markup."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

import portal_web
from tests.support.abuse import (
    EMOJI,
    ESCAPED_SCRIPT,
    HOSTILE,
    NUL,
    RTL,
    SCRIPT,
    SHORT_HOSTILE,
    assert_no_raw_markup,
    assert_shown_escaped,
)
from tests.support.emergencies import emergency
from tests.support.forms import post
from tests.support.logins import as_client_user, as_staff
from tests.support.pages import html_of
from tests.support.people import DANA
from tests.support.replies import text
from tests.support.tickets import request_ticket
from tests.support.users import make_user
from ticketing.accounts.access_requests import submit_access_request
from ticketing.billing.models import Invoice, InvoiceLine
from ticketing.calendar.days import add_closure
from ticketing.directory import add_client, add_contact, add_technician
from ticketing.firm import Firm
from ticketing.models import OutboxMessage, Ticket, TicketEvent
from ticketing.paging.policies import set_policy

STATIC = Path(portal_web.__file__).parent / "static"
# A caller ID that is no phone number (a SIP trunk or a forged From): kept, and shown.
ODD_CALLER = '"><svg onload=alert(3)>'
HOSTILE_CLIENT_PHONE = "+13365550199"


# The reply parser drops invisible formatting characters (the RTL override among them) so
# that a ticket number typed with one still parses: a texted reason keeps the rest as typed.
TEXTED = HOSTILE.replace("\u202e", "")


@dataclass
class Hostile:
    """Tickets and names carrying hostile text, and who looks at them."""

    portal: FlaskClient  # the bakery's administrator
    staff: FlaskClient
    other: FlaskClient  # the hostile-named client's administrator
    help_desk: Ticket  # asked for in the portal
    professional: Ticket  # waiting to be scheduled (the board's third panel)
    emergency: Ticket  # a phone call whose transcription is hostile, then a staff note
    reclassified: Ticket  # a technician texted NE with a hostile reason
    named: Ticket  # an emergency of the client whose name is hostile
    invoice: Invoice  # of the hostile-named client


def _login(app: Flask, session: Session, who: str, **kw: Any) -> FlaskClient:
    browser = app.test_client()
    name = kw.get("name", "Sam Okafor")
    if who == "staff":
        as_staff(browser, session, name=name)
    else:
        company, email = kw["company"], kw["email"]
        as_client_user(browser, session, company, billing=True, email=email, name=name)
    return browser


def _hostile_names(session: Session, clock: Any) -> Any:
    company = add_client(session, SHORT_HOSTILE, "6666", has_msa=True)
    add_contact(session, "6666", SHORT_HOSTILE, HOSTILE_CLIENT_PHONE, is_representative=True)
    add_technician(session, SHORT_HOSTILE, "+13365550177")
    add_closure(session, date(2026, 12, 28), SHORT_HOSTILE)
    set_policy(session, ["0s primary sms", f"5m {SHORT_HOSTILE} call"], repeat=2, now=clock())
    submit_access_request(
        session,
        name=SHORT_HOSTILE,
        company=SHORT_HOSTILE,
        email="mallory@evil.example",
        phone="",
        message=HOSTILE,
        now=clock(),
        firm=Firm(name="Accelerando", base_url="https://intake.example.com"),
    )
    session.commit()
    return company


def _invoice(session: Session, company: Any, ticket: Ticket) -> Invoice:
    invoice = Invoice(
        client_id=company.id,
        number="H-1",
        status="issued",
        issued_on=date(2026, 12, 1),
        due_on=date(2026, 12, 31),
        total=Decimal("95.00"),
    )
    text_line = f"{HOSTILE} {RTL} {EMOJI} \u0007\u001b"[:500]
    invoice.lines.append(
        InvoiceLine(
            ticket_id=ticket.id,
            description=text_line,
            quantity=Decimal("1.00"),
            unit_price=Decimal("95.00"),
            amount=Decimal("95.00"),
        )
    )
    session.add(invoice)
    session.commit()
    return invoice


@pytest.fixture
def hostile(app, session, directory, phone, twilio, clock) -> Hostile:
    """Hostile text through every way in, then three browsers to look at it."""
    bakery = directory["bakery"]
    company = _hostile_names(session, clock)
    # People's names are text too: the portal user's and the staff member's.
    portal = _login(
        app, session, "client", company=bakery, email="alice@bakery.example", name=SHORT_HOSTILE
    )
    staff = _login(app, session, "staff", name=SHORT_HOSTILE)
    other = _login(app, session, "client", company=company, email="eve@hostile.example")
    # The portal: a help-desk request in the client's words.
    response = post(portal, "/portal/requests/new?kind=help_desk", {"description": HOSTILE})
    assert response.status_code == 302, response.text[:2000]
    help_desk = session.scalars(select(Ticket).order_by(Ticket.id.desc()).limit(1)).one()
    asker = make_user(
        session, "pro@bakery.example", client=bakery, role="client_admin", name="Pat Pro"
    )
    soon = clock() + timedelta(days=3)
    professional = request_ticket(
        session,
        bakery,
        asker,
        "professional_service",
        HOSTILE,
        clock(),
        windows=[(soon, soon + timedelta(hours=2))],
    )
    # The phone: a caller's transcription, then a staff note, a technician's NE reason.
    paged = emergency(phone, session, words=HOSTILE)
    assert paged.description == HOSTILE
    note = post(
        staff, f"/console/tickets/{paged.number}/note", {"note": HOSTILE, "to_client": "yes"}
    )
    assert note.status_code == 303
    reclassified = emergency(phone, session, words="Fryer tablet is slow")
    text(twilio, DANA, f"NE {reclassified.number} {HOSTILE}")
    named = emergency(phone, session, caller=HOSTILE_CLIENT_PHONE, words=SCRIPT)
    invoice = _invoice(session, company, named)
    session.expire_all()
    return Hostile(
        portal, staff, other, help_desk, professional, paged, reclassified, named, invoice
    )


def test_the_hostile_text_was_kept_as_typed(session, hostile: Hostile) -> None:
    session.expire_all()
    assert session.get(Ticket, hostile.help_desk.id).description == HOSTILE
    assert session.get(Ticket, hostile.professional.id).description == HOSTILE
    reasons = session.scalars(
        select(TicketEvent.message).where(TicketEvent.ticket_id == hostile.reclassified.id)
    ).all()
    assert any(TEXTED in message for message in reasons), reasons


def test_portal_pages_show_it_escaped(hostile: Hostile) -> None:
    browser = hostile.portal
    for path in (
        f"/portal/tickets/{hostile.help_desk.number}",
        f"/portal/tickets/{hostile.professional.number}",
        f"/portal/tickets/{hostile.emergency.number}",  # transcription and the staff note
    ):
        html = html_of(browser.get(path))
        assert_shown_escaped(html)
    # The technician's NE reason is for staff: the client reads fixed words instead.
    reclassified = html_of(browser.get(f"/portal/tickets/{hostile.reclassified.number}"))
    assert "not an emergency" in reclassified and "alert(" not in reclassified
    for path in ("/portal/", "/portal/tickets", "/portal/tickets?q=script"):
        assert_shown_escaped(html_of(browser.get(path)), whole=False)


def test_peoples_hostile_names_are_shown_escaped(hostile: Hostile) -> None:
    # "Welcome, <name>"; "Requested by" on the ticket; the staff note's author on the
    # portal's timeline and the console's.
    assert_shown_escaped(html_of(hostile.portal.get("/portal/")), SHORT_HOSTILE)
    html = html_of(hostile.portal.get(f"/portal/tickets/{hostile.help_desk.number}"))
    assert "Requested by" in html
    assert_shown_escaped(html, SHORT_HOSTILE)
    for browser, path in (
        (hostile.portal, f"/portal/tickets/{hostile.emergency.number}"),
        (hostile.staff, f"/console/tickets/{hostile.emergency.number}"),
        (hostile.staff, f"/console/tickets/{hostile.help_desk.number}"),
    ):
        timeline = html_of(browser.get(path)).split("Timeline</h2>", 1)[1]
        assert_shown_escaped(timeline, SHORT_HOSTILE)


def test_the_hostile_clients_own_portal_shows_its_name_escaped(hostile: Hostile) -> None:
    browser = hostile.other
    home = html_of(browser.get("/portal/"))
    assert_shown_escaped(home, SHORT_HOSTILE)
    assert_shown_escaped(html_of(browser.get(f"/portal/tickets/{hostile.named.number}")), SCRIPT)


def test_console_ticket_pages_show_it_escaped(hostile: Hostile) -> None:
    for ticket in (hostile.help_desk, hostile.professional, hostile.emergency):
        html = html_of(hostile.staff.get(f"/console/tickets/{ticket.number}"))
        assert_shown_escaped(html)
        # The hostile technician is a choice in every "as technician" select.
        assert_shown_escaped(html, SHORT_HOSTILE)
    html = html_of(hostile.staff.get(f"/console/tickets/{hostile.reclassified.number}"))
    assert_shown_escaped(html, TEXTED)  # the NE reason on the timeline
    html = html_of(hostile.staff.get(f"/console/tickets/{hostile.named.number}"))
    assert_shown_escaped(html, SHORT_HOSTILE)  # client and contact


def test_console_lists_show_it_escaped(hostile: Hostile) -> None:
    for path in ("/console/tickets", "/console/tickets?q=alert", "/console/delivery"):
        html = html_of(hostile.staff.get(path))
        assert_shown_escaped(html, whole=False)
        assert_shown_escaped(html, SHORT_HOSTILE)  # the hostile client's name (and pages)


@pytest.mark.parametrize("path", ["/console/", "/console/board/panels"])
def test_live_board_and_its_refresh_feed_show_it_escaped(hostile: Hostile, path: str) -> None:
    response = hostile.staff.get(path)
    html = html_of(response)
    assert response.content_type.startswith("text/html")
    # The request to schedule (its words), the hostile client's emergency, the technician.
    assert_shown_escaped(html, whole=False)
    assert_shown_escaped(html, SHORT_HOSTILE)
    row = html.split(f"#{hostile.named.number}</a>", 1)[1].split("</tr>", 1)[0]
    assert_shown_escaped(row, SHORT_HOSTILE)  # the emergency's client


def test_delivery_log_shows_the_texts_escaped(session, hostile: Hostile) -> None:
    session.expire_all()
    bodies = session.scalars(
        select(OutboxMessage.body).where(OutboxMessage.ticket_id == hostile.emergency.id)
    ).all()
    assert any("<script>" in body for body in bodies), "the caller's words were texted"
    html = html_of(hostile.staff.get("/console/delivery"))
    assert_no_raw_markup(html)
    assert ESCAPED_SCRIPT in html


def test_console_directory_pages_show_names_escaped(hostile: Hostile, session) -> None:
    for path in ("/console/clients", "/console/calendar", "/console/oncall", "/console/billing"):
        html = html_of(hostile.staff.get(path))
        assert_shown_escaped(html, SHORT_HOSTILE)
    clients = html_of(hostile.staff.get("/console/clients"))
    assert_shown_escaped(clients)  # the access request's message
    company = hostile.invoice.client_id
    assert_shown_escaped(html_of(hostile.staff.get(f"/console/clients/{company}")), SHORT_HOSTILE)


def test_invoice_pages_show_it_escaped(hostile: Hostile) -> None:
    invoice = hostile.invoice.id
    for path in ("/portal/invoices", f"/portal/invoices/{invoice}"):
        assert_no_raw_markup(html_of(hostile.other.get(path)))
    for path in (f"/portal/invoices/{invoice}", f"/portal/invoices/{invoice}/print"):
        html = html_of(hostile.other.get(path))
        assert_shown_escaped(html)  # the line
        assert_shown_escaped(html, SHORT_HOSTILE)  # bill to


def test_invoice_pdf_survives_unicode_and_control_characters(hostile: Hostile) -> None:
    response = hostile.other.get(f"/portal/invoices/{hostile.invoice.id}.pdf")
    assert response.status_code == 200
    assert response.content_type == "application/pdf"
    assert response.data.startswith(b"%PDF")


def test_caller_id_that_is_no_number_is_shown_escaped(app, session, directory, phone) -> None:
    ticket = emergency(phone, session, caller=ODD_CALLER, words="Help")
    assert ticket.caller_number == ODD_CALLER
    staff = _login(app, session, "staff")
    for path in (f"/console/tickets/{ticket.number}", "/console/tickets", "/console/"):
        html = html_of(staff.get(path))
        assert "<svg onload" not in html
    assert "&lt;svg onload=alert(3)&gt;" in html_of(staff.get(f"/console/tickets/{ticket.number}"))


def test_nul_in_a_transcription_keeps_the_words(app, session, directory, phone) -> None:
    ticket = emergency(phone, session, words=f"Server {NUL} is down")
    assert ticket.description is not None and "\x00" not in ticket.description
    assert ticket.description.startswith("Server nul") and ticket.description.endswith("down")
    staff = _login(app, session, "staff")
    html_of(staff.get(f"/console/tickets/{ticket.number}"))


# --- the board's script: data never becomes markup in the browser ----------------------

SINKS = re.compile(
    r"\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write|\beval\(|new Function"
)


def _scripts() -> dict[str, str]:
    return {path.name: path.read_text() for path in sorted(STATIC.glob("*.js"))}


def test_no_script_builds_markup_from_json() -> None:
    scripts = _scripts()
    assert "console_board.js" in scripts
    for name, source in scripts.items():
        sinks = SINKS.findall(source)
        if ".json()" in source or "JSON.parse" in source:
            assert not sinks, f"{name} turns JSON into markup: use textContent"
        if name != "console_board.js":
            assert not sinks, f"{name} writes markup: build nodes and set textContent"


def test_the_board_only_swaps_in_the_servers_escaped_panels() -> None:
    source = _scripts()["console_board.js"]
    # Exactly one markup sink: the panels' HTML as the server rendered (and escaped) it.
    assert re.findall(r"(\w+)\.innerHTML\s*=\s*(\w+)", source) == [("panels", "html")]
    assert "response.text()" in source and 'getAttribute("data-refresh-url")' in source
    assert "eval" not in source and "outerHTML" not in source


def test_the_board_refresh_url_is_the_escaped_panels_feed(hostile: Hostile) -> None:
    board = html_of(hostile.staff.get("/console/"))
    url = re.search(r'data-refresh-url="([^"]+)"', board)
    assert url and url.group(1) == "/console/board/panels"
    feed = hostile.staff.get(url.group(1))
    assert feed.content_type.startswith("text/html")
    assert "<script" not in feed.text  # a fragment: no scripts of its own
    assert ESCAPED_SCRIPT in feed.text


# --- a real browser: the board's refresh swaps hostile text in, and no script runs -------

PWNED = '<img src=x onerror="window.__pwned=1">'


def _hostile_request(database: Any) -> int:
    """A professional request in hostile words, waiting to be scheduled (committed)."""
    from intake.clock import SystemClock
    from ticketing.models import Client
    from ticketing.service_requests.models import ServiceRequest

    with database.transaction() as db_session:
        company = db_session.scalars(select(Client).order_by(Client.id)).first()
        ticket = Ticket(
            service_class="professional_service",
            client_id=company.id,
            source="portal",
            description=f"{PWNED} {SCRIPT}",
            opened_at=SystemClock()(),
        )
        db_session.add(ticket)
        db_session.flush()
        db_session.add(ServiceRequest(ticket_id=ticket.id, requested_by=PWNED))
        return ticket.id


# A real browser: it shares the browser tests' worker (see tests/functional).
@pytest.mark.xdist_group("browser")
def test_board_refresh_in_a_browser_shows_hostile_text_as_text(
    settings, database_url, wipe_database
) -> None:
    from tests.support.browser import chromium, live_portal, log_in_page

    with live_portal(settings, database_url) as live, chromium() as browser:
        page = browser.new_page()
        log_in_page(page, live, "priya@accelerando.example")
        page.wait_for_url(re.compile(r"/console/?$"))
        # Only the refresh (fetch + innerHTML) can bring this one onto the open page.
        number = _hostile_request(live.database)
        refreshed = page.locator("#board-panels[data-refreshed]")
        refreshed.wait_for(state="attached", timeout=20_000)
        panels = page.locator("#board-panels")
        row = panels.get_by_role("row").filter(has=page.get_by_role("link", name=f"#{number}"))
        assert PWNED in row.inner_text()  # shown as the characters typed
        assert panels.locator("img").count() == 0  # no element was made of them
        assert panels.locator("script").count() == 0
        assert page.evaluate("typeof window.__pwned") == "undefined"
