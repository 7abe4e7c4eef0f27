"""The demo's phone simulator plays every part, in a real browser (Debian's Chromium,
headless, through Playwright): a client calls the emergency line at night, the on-call
technician's phone rings for the live transfer and nobody answers, the client leaves a
message; the scheduler's relay rings the technician with a voice page, which they answer
in the simulator and acknowledge with key 4. And in business hours a help-desk caller is
offered to the demo's available technician, who takes them with key 1. Screenshots:
test-artifacts/screenshots/phone-*.png.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from intake.clock import SystemClock
from intake.config import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN
from sandbox.demo.seed import HELP_DESK
from scheduler.relay import relay_due
from scheduler.transport import TwilioMessenger
from tests.support.browser import (
    LivePortal,
    Screenshots,
    chromium,
    live_portal,
    log_in_page,
    watch_csp,
)
from ticketing.calls.models import QueueEntry, QueueOutcome
from ticketing.calls.offers import offer_waiting_callers
from ticketing.directory import technician_by_name
from ticketing.models import Availability, Ticket, TicketStatus
from ticketing.paging.escalation import sweep_escalations
from ticketing.paging.policies import set_policy

pytestmark = pytest.mark.xdist_group("browser")

STAFF = "priya@accelerando.example"  # the demo's member of staff
CALLER_WORDS = "The card reader is dead and the line is out the door"


def _scheduler_tick(portal: LivePortal, sms_from: str) -> None:
    """What the scheduler does every few seconds: due steps fire, waiting help-desk callers
    are offered, the outbox is relayed through the sandbox's fake Twilio API on the live
    server."""
    now = SystemClock()()
    with portal.database.transaction() as session:
        sweep_escalations(session, now)
    with portal.database.transaction() as session:
        offer_waiting_callers(session, now)
    messenger = TwilioMessenger(
        SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN, portal.url("/sandbox/twilio"), sms_from=sms_from
    )
    relay_due(
        portal.database.sessionmaker,
        messenger,
        now,
        status_callback_url=portal.url("/twilio/sms/status"),
        call_status_callback_url=portal.url("/twilio/voice/page/status"),
        public_base_url=portal.base,
    )


def test_a_voice_page_is_answered_with_key_4_in_the_simulator(
    settings, database_url, wipe_database
):
    with chromium() as browser, live_portal(settings, database_url) as portal:
        with portal.database.transaction() as session:
            # Ring the technician at once, rather than after the default five minutes.
            set_policy(session, ["0s primary sms+call"], repeat=1, now=SystemClock()())
        context = browser.new_context(viewport={"width": 1280, "height": 1000})
        page = context.new_page()
        csp_complaints = watch_csp(page)
        shots = Screenshots("phone")
        log_in_page(page, portal, STAFF)
        page.goto(portal.url("/console/phone"))
        page.get_by_label("Caller's number").fill("+13365550123")
        page.get_by_label("Pretend it is").fill("2026-12-24T21:30")
        page.get_by_role("button", name=re.compile("Call")).click()
        expect(page.locator("#phone-dialing")).to_be_visible()
        shots.take(page, "live-transfer-rings")
        page.get_by_role("button", name="Nobody answers").click()
        page.get_by_label("What you say").fill(CALLER_WORDS)
        page.get_by_role("button", name="Say it and press #").click()
        page.get_by_role("form", name="Keypad").get_by_role("button", name="1", exact=True).click()
        expect(page.locator("#phone-ended")).to_be_visible()

        _scheduler_tick(portal, settings.twilio_sms_from)
        page.reload()
        technician = page.locator("#technician")
        technician.get_by_role("button", name="Answer").click()
        expect(technician).to_contain_text("Press 4 to acknowledge")
        expect(technician).to_contain_text(CALLER_WORDS)
        shots.take(page, "voice-page-answered")
        keypad = page.get_by_role("form", name="Technician's keypad")
        keypad.get_by_role("button", name="4", exact=True).click()
        expect(technician).to_contain_text("is yours, and paging has stopped")
        shots.take(page, "voice-page-acknowledged")

        with portal.database.sessionmaker() as session:
            ticket = session.scalars(select(Ticket).order_by(Ticket.id.desc())).first()
            assert ticket is not None and ticket.description == CALLER_WORDS
            assert ticket.status == TicketStatus.ACKNOWLEDGED
        context.close()
        assert csp_complaints == []


def test_a_help_desk_caller_is_offered_and_taken_with_key_1_in_the_simulator(
    settings, database_url, wipe_database
):
    with chromium() as browser, live_portal(settings, database_url) as portal:
        context = browser.new_context(viewport={"width": 1280, "height": 1000})
        page = context.new_page()
        csp_complaints = watch_csp(page)
        shots = Screenshots("phone")
        log_in_page(page, portal, STAFF)
        page.goto(portal.url("/console/phone"))
        page.get_by_label("Caller's number").fill("+13365550123")
        page.get_by_label("Pretend it is").fill("2026-12-07T10:00")  # a Monday morning
        page.get_by_role("button", name=re.compile("Call")).click()
        page.get_by_role("form", name="Keypad").get_by_role("button", name="2", exact=True).click()
        expect(page.locator("#phone-queue")).to_be_visible()

        _scheduler_tick(portal, settings.twilio_sms_from)  # nobody ran a command
        page.reload()
        technician = page.locator("#technician")
        technician.get_by_role("button", name="Answer").click()
        expect(technician).to_contain_text("Help desk caller: Blue Ridge Bakery, ticket")
        shots.take(page, "help-desk-offer")
        keypad = page.get_by_role("form", name="Technician's keypad")
        keypad.get_by_role("button", name="1", exact=True).click()
        expect(page.locator("#phone-bridged")).to_be_visible()
        shots.take(page, "help-desk-bridged")
        technician.get_by_role("button", name="Hang up this phone").click()
        expect(page.locator("#phone-ended")).to_be_visible()

        with portal.database.sessionmaker() as session:
            entry = session.scalars(select(QueueEntry)).one()
            assert entry.outcome == QueueOutcome.ANSWERED and entry.session_ended_at is not None
            tech = technician_by_name(session, HELP_DESK)
            assert tech is not None and entry.technician_id == tech.id
            assert tech.availability == Availability.AVAILABLE
        context.close()
        assert csp_complaints == []
