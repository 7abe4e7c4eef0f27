"""The client portal in a real browser (Debian's Chromium, headless, through Playwright).

A bakery's bookkeeper asks for access, staff approve, she sets her password from the
emailed link and logs in; meanwhile the bakery's owner phones the emergency line; she sees
the new ticket and its timeline, pays an open invoice by card (Stripe faked at its API,
its webhook signed as Stripe signs), checks the pre-paid hours and runs the report.
Each page is saved as a screenshot under test-artifacts/screenshots/.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
import requests
from playwright.sync_api import expect
from sqlalchemy import select

from intake.clock import SystemClock
from intake.config import SANDBOX_AUTH_TOKEN
from sandbox.demo.seed import DEMO_ADMIN, DEMO_PASSWORD
from sandbox.twilio.caller import SimulatedCall
from tests.support.browser import (
    LivePortal,
    Screenshots,
    chromium,
    emailed_link,
    fake_stripe,
    live_portal,
    watch_csp,
)
from tests.support.payments import checkout_event, stripe_signature
from ticketing.accounts.access_requests import approve_request, pending_requests
from ticketing.billing.invoices import balance_due
from ticketing.billing.models import Invoice
from ticketing.firm import Firm
from ticketing.models import Client, Ticket

pytestmark = pytest.mark.xdist_group("browser")

OWEN = "owen@blueridge.example"
OWENS_PASSWORD = "rye-and-sourdough-42"
CALLER_WORDS = "The point of sale is down, we cannot take cards"
PHONE = {"width": 390, "height": 844}


def _request_access(page: Any, portal: LivePortal, shots: Screenshots) -> None:
    page.goto(portal.url("/"))
    page.get_by_role("link", name="Request access").first.click()
    page.get_by_label("Your name").fill("Owen Parker")
    page.get_by_label("Company").fill("Blue Ridge Bakery")
    page.get_by_label("Email").fill(OWEN)
    page.get_by_label("Phone (optional)").fill("(336) 555-0188")
    page.get_by_label("Message (optional)").fill("I pay the bakery's bills <b>& invoices</b>.")
    shots.take(page, "request-access-form")
    page.get_by_role("button", name="Send the request").click()
    expect(page).to_have_url(re.compile(r"/request-access/received$"))
    shots.take(page, "request-access-received")


def _staff_approve(portal: LivePortal) -> None:
    """Staff approve the request (the same function `intake access approve` calls)."""
    settings = portal.app.config["SETTINGS"]
    with portal.database.transaction() as session:
        waiting = [r for r in pending_requests(session) if r.email == OWEN]
        assert len(waiting) == 1 and waiting[0].company == "Blue Ridge Bakery"
        approve_request(
            session,
            waiting[0].id,
            account="1001",
            admin=True,
            billing=True,
            now=SystemClock()(),
            firm=Firm(name=settings.firm_name, base_url=portal.base),
            decided_by="Priya Nair",
        )


def _set_password(page: Any, portal: LivePortal, shots: Screenshots) -> None:
    page.goto(emailed_link(portal.database, OWEN, "/set-password/"))
    page.get_by_label("New password", exact=True).fill(OWENS_PASSWORD)
    page.get_by_label("New password again").fill(OWENS_PASSWORD)
    shots.take(page, "set-password")
    page.get_by_role("button", name=re.compile("Save the password")).click()
    expect(page).to_have_url(re.compile(r"/portal/?$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Blue Ridge Bakery")
    shots.take(page, "home-after-first-login")


def _phone_call(portal: LivePortal) -> int:
    """The owner calls the emergency line on a Saturday night (a simulated Twilio call)."""
    transcript = SimulatedCall(
        portal.base,
        SANDBOX_AUTH_TOKEN,
        from_number="+13365550123",
        at="2026-12-05 23:10",
        keys=[CALLER_WORDS, "1"],
        out=lambda _line: None,
    ).run()
    assert transcript.hung_up, transcript.text
    with portal.database.sessionmaker() as session:
        ticket = session.scalars(select(Ticket).order_by(Ticket.id.desc())).first()
        assert ticket is not None and ticket.description == CALLER_WORDS
        return ticket.number


def _see_the_new_ticket(page: Any, portal: LivePortal, shots: Screenshots, number: int) -> None:
    page.goto(portal.url("/portal/"))
    expect(page.get_by_role("link", name=f"#{number}").first).to_be_visible()
    shots.take(page, "home-with-the-new-emergency")
    page.get_by_role("link", name="Tickets", exact=True).first.click()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=f"#{number}"))
    expect(row).to_contain_text(CALLER_WORDS)
    expect(row).to_contain_text("Emergency")
    shots.take(page, "tickets")
    row.get_by_role("link", name=f"#{number}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Ticket #{number}")
    timeline = page.locator("ol.timeline")
    expect(timeline).to_contain_text("Call received")
    expect(timeline).to_contain_text("Classified emergency")
    expect(timeline).to_contain_text("Caller identified by phone: Jane Doe")
    player = page.locator("dd.recording audio")
    expect(player).to_have_attribute("src", f"/portal/tickets/{number}/recording")
    # The browser loads the message from our route, which fetched it from the sandbox.
    seconds = player.evaluate(
        "a => new Promise(done => { a.onloadedmetadata = () => done(a.duration);"
        " a.onerror = () => done(-1); a.preload = 'auto'; a.load(); })"
    )
    assert seconds > 1, seconds
    shots.take(page, "ticket-timeline")
    page.get_by_role("link", name="Request service", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    shots.take(page, "request-service-form")


def _open_invoice(portal: LivePortal) -> tuple[int, str, int]:
    with portal.database.sessionmaker() as session:
        bakery = session.scalars(select(Client).where(Client.account_number == "1001")).one()
        stmt = select(Invoice).where(Invoice.client_id == bakery.id, Invoice.status == "issued")
        invoice = session.scalars(stmt.order_by(Invoice.issued_on.desc())).first()
        assert invoice is not None
        cents = int(balance_due(invoice) * 100)
        return invoice.id, invoice.number, cents


def _pay_an_invoice(page: Any, portal: LivePortal, shots: Screenshots) -> None:
    invoice_id, number, cents = _open_invoice(portal)
    page.get_by_role("link", name="Invoices", exact=True).first.click()
    expect(page.get_by_role("link", name=number)).to_be_visible()
    shots.take(page, "invoices")
    page.get_by_role("link", name=number).click()
    shots.take(page, "invoice-open")
    page.goto(portal.url(f"/portal/invoices/{invoice_id}/print"))
    expect(page.locator("body")).to_contain_text(number)
    shots.take(page, "invoice-print")
    page.go_back()
    page.get_by_role("button", name=re.compile("by card")).click()
    expect(page).to_have_url(re.compile(r"payment=done"))
    expect(page.get_by_text("being confirmed")).to_be_visible()
    shots.take(page, "invoice-back-from-checkout")
    assert portal.checkouts[-1]["line_items[0][price_data][unit_amount]"] == str(cents)
    payload = checkout_event(
        invoice_id,
        number,
        cents=cents,
        session_id="cs_test_browser_story",  # the session fake_stripe made
        event_id="evt_test_browser_story",
    )
    answer = requests.post(
        portal.url("/stripe/webhook"),
        data=payload,
        headers={"Stripe-Signature": stripe_signature(payload), "Content-Type": "application/json"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    page.reload()
    expect(page.get_by_text("Paid in full. Thank you!")).to_be_visible()
    shots.take(page, "invoice-paid")
    with portal.database.sessionmaker() as session:
        paid = session.get(Invoice, invoice_id)
        assert paid is not None and paid.status == "paid"
        assert paid.payments[-1].amount == Decimal(cents) / 100


def _balance_and_report(page: Any, portal: LivePortal, shots: Screenshots) -> None:
    page.goto(portal.url("/portal/agreements"))
    expect(page.get_by_text("Emergency Support Services Agreement").first).to_be_visible()
    shots.take(page, "agreements")
    page.goto(portal.url("/portal/retainer"))
    expect(page.locator("main")).to_contain_text("3.00 h")  # 20 h bought, 17 h used
    expect(page.locator("main .warn").first).to_contain_text("85%")
    shots.take(page, "prepaid-hours")
    page.get_by_role("link", name="Reports", exact=True).first.click()
    charts = page.locator("svg.chart[role=img]")
    expect(charts).to_have_count(3)
    expect(page.get_by_role("img", name="Tickets per month by service class")).to_be_visible()
    expect(page.get_by_role("table", name="Figures")).to_contain_text("Emergency")
    shots.take(page, "report")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    assert download.value.suggested_filename.endswith(".csv")


def _on_a_phone(browser: Any, state: dict[str, Any], portal: LivePortal, number: int) -> None:
    context = browser.new_context(viewport=PHONE, storage_state=state)
    page = context.new_page()
    shots = Screenshots("phone")
    pages = [("/portal/", "home"), (f"/portal/tickets/{number}", "ticket")]
    for path, name in [*pages, ("/portal/reports", "report")]:
        page.goto(portal.url(path))
        expect(page.locator("main h1")).to_be_visible()
        shots.take(page, name)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} scrolls sideways on a phone ({width}px)"
    context.close()


def test_from_access_request_to_paid_invoice_and_report(settings, database_url, wipe_database):
    with chromium() as browser, live_portal(settings, database_url) as portal, fake_stripe(portal):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        csp_complaints = watch_csp(page)
        shots = Screenshots("story")
        _request_access(page, portal, shots)
        _staff_approve(portal)
        _set_password(page, portal, shots)
        number = _phone_call(portal)
        _see_the_new_ticket(page, portal, shots, number)
        _pay_an_invoice(page, portal, shots)
        _balance_and_report(page, portal, shots)
        _on_a_phone(browser, context.storage_state(), portal, number)
        context.close()
        assert csp_complaints == []


def _focused(page: Any) -> dict[str, str]:
    return page.evaluate(
        "() => ({text: (document.activeElement.textContent || '').trim(),"
        " id: document.activeElement.id, tag: document.activeElement.tagName})"
    )


def test_keyboard_reaches_the_menu_and_the_skip_link_works(settings, database_url, wipe_database):
    with chromium() as browser, live_portal(settings, database_url) as portal:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        shots = Screenshots("keyboard")
        page.goto(portal.url("/login"))
        shots.take(page, "login")
        page.get_by_label("Email").fill(DEMO_ADMIN)
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page).to_have_url(re.compile(r"/portal/?$"))
        page.keyboard.press("Tab")
        assert _focused(page)["text"] == "Skip to content"
        page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile(r"#main$"))
        assert _focused(page)["id"] == "main"
        page.goto(portal.url("/portal/"))  # from the top again (not from #main)
        reached = set()
        for _ in range(30):
            page.keyboard.press("Tab")
            reached.add(_focused(page)["text"])
        for link in ("Home", "Tickets", "Invoices", "Reports", "Log out"):
            assert link in reached, f"Tab never reaches {link!r} (reached: {sorted(reached)})"
        shots.take(page, "home-focus-visible")
