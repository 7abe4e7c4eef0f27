"""The staff console in a real browser (Debian's Chromium, headless, through Playwright).

A member of staff logs in and watches the board; places a simulated emergency call from
the phone simulator on Christmas Eve night; sees it unacknowledged on the board; decides it
is not an emergency after all; puts a colleague on call; closes the office for a day and
asks what a call that day would do; logs 45 minutes on the ticket; the monthly billing
run invoices it, and the client sees the invoice in the portal. Screenshots of each step
are saved as test-artifacts/screenshots/console-*.png.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from intake.clock import SystemClock
from sandbox.demo.seed import DEMO_ADMIN, DEMO_PASSWORD
from tests.support.browser import (
    LivePortal,
    Screenshots,
    chromium,
    live_portal,
    log_in_page,
    watch_csp,
)
from ticketing.billing.monthly_run import run_billing
from ticketing.models import Ticket

pytestmark = pytest.mark.xdist_group("browser")

STAFF = "priya@accelerando.example"  # the demo's member of staff
CALLER_WORDS = "The walk-in freezer alarm is beeping and the POS is frozen"
REASON = "A freezer alarm is the landlord's; the POS froze once and works again"
CLOSURE = "Office move"
# A month long before the demo's history (six months of invoices): nothing else to bill.
BILLED_MONTHS_BACK = 12


def _log_in(page: Any, portal: LivePortal, email: str) -> None:
    log_in_page(page, portal, email, DEMO_PASSWORD)


def _board(page: Any, portal: LivePortal, shots: Screenshots) -> None:
    _log_in(page, portal, STAFF)
    expect(page).to_have_url(re.compile(r"/console/?$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Live board")
    shots.take(page, "board")


def _simulated_call(page: Any, portal: LivePortal, shots: Screenshots) -> int:
    """Christmas Eve, 21:30: the bakery's owner calls the emergency line."""
    page.get_by_role("link", name="Phone simulator").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Phone simulator")
    page.get_by_label("Caller's number").fill("+13365550123")
    page.get_by_label("Pretend it is").fill("2026-12-24T21:30")
    shots.take(page, "phone-start")
    page.get_by_role("button", name=re.compile("Call")).click()
    log = page.locator("#phone-log")
    expect(log).to_contain_text("emergency service, Blue Ridge Bakery")
    # The live transfer rings the on-call technician's phone, which nobody answers here.
    page.get_by_role("button", name="Nobody answers").click()
    shots.take(page, "phone-greeting")
    page.get_by_label("What you say").fill(CALLER_WORDS)
    page.get_by_role("button", name="Say it and press #").click()
    expect(log).to_contain_text("Press 1 to confirm")
    shots.take(page, "phone-keypad")
    page.get_by_role("button", name="1", exact=True).click()
    expect(page.locator("#phone-ended")).to_be_visible()
    expect(log).to_contain_text("Your ticket number is")
    shots.take(page, "phone-ended")
    with portal.database.sessionmaker() as session:
        ticket = session.scalars(select(Ticket).order_by(Ticket.id.desc())).first()
        assert ticket is not None and ticket.description == CALLER_WORDS
        assert ticket.service_class == "emergency"
        return ticket.number


def _unacknowledged_on_the_board(page: Any, portal: LivePortal, shots: Screenshots, n: int) -> None:
    page.goto(portal.url("/console/"))
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=f"#{n}", exact=True))
    expect(row.first).to_contain_text("UNACKNOWLEDGED")
    shots.take(page, "board-new-emergency")
    row.first.get_by_role("link", name=f"#{n}", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Ticket #{n}")


def _reclassify(page: Any, shots: Screenshots) -> None:
    form = page.get_by_role("form", name="Not an emergency")
    form.get_by_label("Reason").fill(REASON)
    shots.take(page, "ticket-reclassify")
    form.get_by_role("button", name=re.compile("Reclassify")).click()
    expect(page.locator("ol.timeline")).to_contain_text(REASON)
    shots.take(page, "ticket-reclassified")


def _override(page: Any, portal: LivePortal, shots: Screenshots) -> None:
    page.goto(portal.url("/console/oncall"))
    tomorrow = date.today() + timedelta(days=1)
    form = page.locator("#override-form")
    form.get_by_label("Technician").select_option("Luis Romero")
    # Times of its own: the demo's day of staff changes has an override of Luis's too.
    form.get_by_label("From").fill(f"{tomorrow.isoformat()}T07:35")
    form.get_by_label("Until").fill(f"{tomorrow.isoformat()}T19:25")
    form.get_by_role("button", name="Add override").click()
    starts = f"{tomorrow.month}/{tomorrow.day}/{tomorrow.year} 7:35 AM"
    ends = f"{tomorrow.month}/{tomorrow.day}/{tomorrow.year} 7:25 PM"
    luis = page.locator("tr.override").filter(has_text="Luis Romero").filter(has_text=ends)
    expect(luis.first).to_contain_text(starts)
    shots.take(page, "oncall-override")


def _closure_and_what_if(page: Any, portal: LivePortal, shots: Screenshots) -> None:
    day = date.today() + timedelta(days=21)
    day += timedelta(days=(2 - day.weekday()) % 7)  # a Wednesday, three weeks or so away
    page.goto(portal.url("/console/calendar"))
    form = page.locator("#closure-form")
    form.get_by_label("Date").fill(day.isoformat())
    form.get_by_label("Name").fill(CLOSURE)
    form.get_by_role("button", name="Add closure").click()
    expect(page.locator("#closed-days")).to_contain_text(CLOSURE)
    page.get_by_label("Local time").fill(f"{day.isoformat()}T10:00")
    page.get_by_role("button", name="Check").click()
    expect(page.locator("#what-if-result")).to_contain_text(f"closure: {CLOSURE}")
    shots.take(page, "calendar-closure-what-if")


def _billed_month() -> date:
    first = date.today().replace(day=1)
    for _ in range(BILLED_MONTHS_BACK):
        first = (first - timedelta(days=1)).replace(day=1)
    return first + timedelta(days=(7 - first.weekday()) % 7)  # its first Monday


def _opened_on(portal: LivePortal, number: int, day: date) -> None:
    """Date the ticket back to `day` (8 AM there): work cannot start before its ticket."""
    zone = ZoneInfo(portal.app.config["SETTINGS"].business_timezone)
    with portal.database.transaction() as session:
        ticket = session.get_one(Ticket, number)  # a ticket's number is its id
        ticket.opened_at = datetime.combine(day, time(8, 0), zone).astimezone(UTC)


def _log_time(page: Any, portal: LivePortal, shots: Screenshots, number: int) -> str:
    worked = _billed_month()
    _opened_on(portal, number, worked)
    page.goto(portal.url(f"/console/tickets/{number}"))
    form = page.get_by_role("form", name="Log time")
    form.get_by_label("Technician").select_option("Dana Whitfield")
    form.get_by_label("Started").fill(f"{worked.isoformat()}T10:00")
    form.get_by_label("Minutes").fill("45")
    form.get_by_label("Note").fill("Rebooted the POS and checked the card reader")
    form.get_by_role("button", name="Log time").click()
    entry = page.locator("#time-entries").get_by_role("row").filter(has_text="Rebooted the POS")
    expect(entry).to_contain_text("45")
    shots.take(page, "ticket-time-logged")
    return f"{worked:%Y-%m}"


def _run_billing(portal: LivePortal, month: str) -> str:
    """The monthly run, as `intake billing run --month` calls it."""
    settings = portal.app.config["SETTINGS"]
    with portal.database.transaction() as session:
        report = run_billing(
            session,
            month,
            now=SystemClock()(),
            public_base_url=settings.public_base_url,
            timezone=settings.business_timezone,
            firm_name=settings.firm_name,
        )
        [invoice] = report.invoices
        assert invoice.client.name == "Blue Ridge Bakery"
        return invoice.number


def _client_sees_the_invoice(
    browser: Any, portal: LivePortal, shots: Screenshots, number: str
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _log_in(page, portal, DEMO_ADMIN)
    page.goto(portal.url("/portal/invoices"))
    expect(page.get_by_role("link", name=number)).to_be_visible()
    shots.take(page, "client-sees-the-invoice")
    context.close()


def test_a_night_on_the_console(settings, database_url, wipe_database):
    with chromium() as browser, live_portal(settings, database_url) as portal:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        csp_complaints = watch_csp(page)
        shots = Screenshots("console")
        _board(page, portal, shots)
        number = _simulated_call(page, portal, shots)
        _unacknowledged_on_the_board(page, portal, shots, number)
        _reclassify(page, shots)
        _override(page, portal, shots)
        _closure_and_what_if(page, portal, shots)
        month = _log_time(page, portal, shots, number)
        invoice_number = _run_billing(portal, month)
        _client_sees_the_invoice(browser, portal, shots, invoice_number)
        context.close()
        assert csp_complaints == []
