"""The browser tests' world: the real app serving on a loopback port (sandbox mode, demo
data), Debian's Chromium through Playwright, Stripe faked at its HTTP API, and full-page
screenshots kept under test-artifacts/screenshots/."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
import requests
import responses
from flask import Flask
from sqlalchemy import select
from werkzeug.serving import make_server

from intake.app import create_app
from intake.clock import SystemClock
from intake.config import Settings
from intake.db import Database
from sandbox.demo.seed import DEMO_PASSWORD, DEMO_TOTP_SECRET, seed_demo
from tests.support import payments
from tests.support.second_factor import code_at
from ticketing.models import OutboxMessage

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
STRIPE_API = "https://api.stripe.com/v1/checkout/sessions"


@dataclass
class LivePortal:
    """The running app: its address, the app object and its database."""

    base: str
    app: Flask
    database: Database
    checkouts: list[dict[str, Any]] = field(default_factory=list)

    def url(self, path: str) -> str:
        """An absolute URL on the live server."""
        return self.base + path


def log_in_page(page: Any, live: Any, email: str, password: str = DEMO_PASSWORD) -> None:
    """Log in through the real form of the live server (`live.url`), typing the demo staff's
    authenticator code on the code page when it follows (the live server's clock is real)."""
    page.goto(live.url("/login"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    if page.url.rstrip("/").endswith("/login/code"):
        page.get_by_label("Code").fill(code_at(datetime.now(UTC), DEMO_TOTP_SECRET))
        page.get_by_role("button", name="Log in").click()


@contextmanager
def live_portal(settings: Settings, database_url: str) -> Iterator[LivePortal]:
    """The app with the demo data, serving on a free loopback port until the block ends."""
    holder: dict[str, Any] = {}
    server = make_server(
        "127.0.0.1", 0, lambda env, start: holder["app"](env, start), threaded=True
    )
    base = f"http://127.0.0.1:{server.server_port}"
    live = settings.with_overrides(
        public_base_url=base,
        sandbox=True,
        twilio_api_base_url=base + "/sandbox/twilio",
        live_transfer=True,  # the simulated caller hears no answer, then leaves a message
        stripe_secret_key=payments.STRIPE_KEY,
        stripe_webhook_secret=payments.WEBHOOK_SECRET,
    )
    database = Database(database_url)
    clock = SystemClock()
    app = holder["app"] = create_app(live, database=database, clock=clock)
    app.extensions["sandbox"].callback_delay = 0.2
    with database.transaction() as session:
        seed_demo(session, clock())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LivePortal(base, app, database)
    finally:
        server.shutdown()
        app.extensions["sandbox"].join()
        database.engine.dispose()


@contextmanager
def fake_stripe(portal: LivePortal) -> Iterator[responses.RequestsMock]:
    """Stripe's API answered here (the app runs in this process's threads); requests to
    the live server itself go through. Checkout sends the browser straight back to the
    success URL, as Stripe does once the card is accepted."""

    def create_session(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        raw = request.body or ""
        form = dict(parse_qsl(raw.decode() if isinstance(raw, bytes) else raw))
        portal.checkouts.append(form)
        url = form.get("success_url", "")
        body = {"id": "cs_test_browser_story", "object": "checkout.session", "url": url}
        return 200, {"Content-Type": "application/json"}, json.dumps(body)

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_passthru(re.compile(r"http://127\.0\.0\.1(:\d+)?/"))
        mock.add_callback(responses.POST, STRIPE_API, callback=create_session)
        yield mock


def emailed_link(database: Database, email: str, path_prefix: str) -> str:
    """The newest link starting with `path_prefix` in an email to `email` in the outbox."""
    with database.sessionmaker() as session:
        stmt = (
            select(OutboxMessage)
            .where(OutboxMessage.to_address == email)
            .order_by(OutboxMessage.id.desc())
        )
        for message in session.scalars(stmt):
            found = re.search(r"https?://\S+?" + re.escape(path_prefix) + r"\S+", message.body)
            if found:
                return found.group(0).rstrip(".,)")
    raise AssertionError(f"no email to {email} with a {path_prefix} link")


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright (skipped where it is missing)."""
    if not CHROMIUM.exists():
        pytest.skip(
            "Debian's Chromium is not installed at /usr/bin/chromium (apt-get install chromium)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


class Screenshots:
    """Full-page screenshots named after the step they show."""

    def __init__(self, prefix: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.prefix = prefix
        self.count = 0

    def take(self, page: Any, name: str) -> Path:
        """Save the whole page as <prefix>-<nn>-<name>.png."""
        self.count += 1
        path = SCREENSHOTS / f"{self.prefix}-{self.count:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


def watch_csp(page: Any) -> list[str]:
    """Collect the browser's Content-Security-Policy complaints on `page`."""
    complaints: list[str] = []

    def listen(message: Any) -> None:
        if "Content Security Policy" in message.text:
            complaints.append(f"{page.url}: {message.text}")

    page.on("console", listen)
    return complaints
