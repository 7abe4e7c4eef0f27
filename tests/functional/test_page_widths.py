"""Every console page and the portal's busiest pages fit a 1280 px window without a
horizontal scroll bar, and console pages say they are the staff console."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from sandbox.demo.seed import DEMO_ADMIN
from tests.support.browser import LivePortal, Screenshots, chromium, live_portal, log_in_page
from ticketing.models import OutboxMessage

pytestmark = pytest.mark.xdist_group("browser")

STAFF = "priya@accelerando.example"  # the demo's member of staff
WIDTH = 1280
CONSOLE = (
    "/console/",
    "/console/tickets",
    "/console/tickets/1001",
    "/console/delivery",
    "/console/oncall",
    "/console/calendar",
    "/console/clients",
    "/console/technicians",
    "/console/billing",
    "/console/audit",
    "/console/staff",
    "/console/payments",
)
PORTAL = (
    "/portal/",
    "/portal/tickets",
    "/portal/requests/new?kind=professional_service",
    "/portal/requests/new?kind=emergency",
    "/portal/invoices",
)


# What sticks out: the page wider than the window, a box scrolling sideways inside it (a
# table in an overflow-x wrapper), or an element wider than the box it sits in.
OVERFLOWS = """() => {
  const found = [];
  const page = document.documentElement.scrollWidth - window.innerWidth;
  if (page > 0) found.push(`page +${page}px`);
  for (const el of document.querySelectorAll("main *")) {
    // What a closed <details> holds is laid out but not shown.
    if (!el.checkVisibility()) continue;
    const style = getComputedStyle(el);
    const kind = el.type ? `[${el.type}]` : el.className ? "." + el.className : "";
    const name = `${el.parentElement?.tagName.toLowerCase()} > ${el.tagName.toLowerCase()}${kind}`;
    if (["auto", "scroll"].includes(style.overflowX) && el.scrollWidth > el.clientWidth + 1) {
      found.push(`${name} scrolls +${el.scrollWidth - el.clientWidth}px`);
    }
    const parent = el.parentElement;
    if (!parent || style.position === "absolute" || style.position === "fixed") continue;
    const over = el.getBoundingClientRect().right - parent.getBoundingClientRect().right;
    if (over > 1 && getComputedStyle(parent).overflowX === "visible") {
      found.push(`${name} sticks out of its box by ${Math.round(over)}px`);
    }
  }
  return found;
}"""


def _overflow(page: Any) -> list[str]:
    """What sticks out of the window or of its box ([]: nothing)."""
    return page.evaluate(OVERFLOWS)


def _long_deliveries(portal: LivePortal) -> None:
    """Delivery-log rows as a bad night leaves them: long addresses, errors and bodies."""
    words = "The point of sale system at the front counter is down and no card goes through. "
    with portal.database.transaction() as session:
        recipients = {
            "email": "accounts.payable.department@a-very-long-client-domain.example",
            "sms": "+13365550101",
            "webhook": "https://hooks.integration.example/services/T0B0/" + "x" * 16,
        }
        for n, (channel, to) in enumerate(recipients.items()):
            session.add(
                OutboxMessage(
                    dedupe_key=f"width-{n}",
                    channel=channel,
                    kind="notice",
                    to_number=to,
                    subject="Your emergency call is being handled by the on-call technician",
                    body=words * 4,
                    status="failed",
                    error_code="30008",
                    last_error="HTTP 400: " + '{"error":"invalid_payload","detail":"' + "x" * 90,
                    attempts=10,
                    next_attempt_at=datetime.now(UTC),
                )
            )


def _visit(page: Any, portal: LivePortal, path: str, shots: Screenshots) -> tuple[str, list[str]]:
    url = portal.url(path)
    name = re.sub(r"[^a-z0-9]+", "-", path).strip("-")
    page.goto(url)
    page.wait_for_load_state()
    shots.take(page, name)
    return path, _overflow(page)


def test_pages_fit_1280_px_and_the_console_is_named(settings, database_url, wipe_database):
    with chromium() as browser, live_portal(settings, database_url) as portal:
        context = browser.new_context(viewport={"width": WIDTH, "height": 900})
        page = context.new_page()
        shots = Screenshots("width")
        _long_deliveries(portal)
        log_in_page(page, portal, STAFF)
        widths = []
        for path in CONSOLE:
            widths.append(_visit(page, portal, path, shots))
            brand = page.locator("header .brand").inner_text()
            assert "Staff Console" in brand and "Client Portal" not in brand, path
            assert "Client Portal" not in page.title(), path
        context.close()

        context = browser.new_context(viewport={"width": WIDTH, "height": 900})
        page = context.new_page()
        log_in_page(page, portal, DEMO_ADMIN)
        for path in PORTAL:
            widths.append(_visit(page, portal, path, shots))
        context.close()

        bad = [(path, over) for path, over in widths if over]
        assert not bad, "\n".join(map(str, bad))
