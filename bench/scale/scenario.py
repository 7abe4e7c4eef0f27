"""Benchmark scenario 5, data at scale: log in over HTTP like a person (the real login form,
its CSRF token) and time the portal's and the console's pages one request at a time, on a
database loaded by bench.scale.seed. p50 and p95 per page; the target is on p95."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import cycle

import pyotp
import requests

from bench.results import Figure, ms, percentile
from bench.scale.people import STAFF_TOTP_SECRET
from bench.scale.seed import ScaleLogin

SCENARIO = "5. data at scale"
TARGET_SECONDS = 0.150
TARGET = "p95 ≤ 150 ms"
WARM_UP = 3
TIMEOUT = 30
SEARCH = "printer"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
PAGES_OF = re.compile(r"Page 1 of (\d+)")


class ScaleError(RuntimeError):
    """A page did not answer as it should (a login refused, an error status)."""


@dataclass(frozen=True)
class Page:
    """One page to time: its name, and the paths to request in turn."""

    name: str
    paths: Callable[[], Iterator[str]]


def log_in(base_url: str, email: str, password: str) -> requests.Session:
    """A session logged in through the login form (CSRF token from the page)."""
    session = requests.Session()
    form = session.get(f"{base_url}/login", timeout=TIMEOUT)
    found = CSRF.search(form.text)
    if form.status_code != 200 or found is None:
        raise ScaleError(f"GET /login answered {form.status_code} without a CSRF token")
    answer = session.post(
        f"{base_url}/login",
        data={"csrf_token": found.group(1) or found.group(2), "email": email, "password": password},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    if answer.status_code != 302:
        raise ScaleError(f"logging in as {email} answered {answer.status_code}, not a redirect")
    if answer.headers.get("Location", "").endswith("/login/code"):
        _second_factor(session, base_url, email)
    return session


def _second_factor(session: requests.Session, base_url: str, email: str) -> None:
    """Staff type the code of their authenticator app (the scale logins' known secret)."""
    page = session.get(f"{base_url}/login/code", timeout=TIMEOUT)
    found = CSRF.search(page.text)
    if page.status_code != 200 or found is None:
        raise ScaleError(f"GET /login/code answered {page.status_code} without a CSRF token")
    code = pyotp.TOTP(STAFF_TOTP_SECRET).now()
    answer = session.post(
        f"{base_url}/login/code",
        data={"csrf_token": found.group(1) or found.group(2), "code": code},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    if answer.status_code != 302:
        raise ScaleError(f"the code for {email} answered {answer.status_code}, not a redirect")


def _same(path: str) -> Callable[[], Iterator[str]]:
    return lambda: cycle([path])


def _each(template: str, ids: tuple[int, ...]) -> Callable[[], Iterator[str]]:
    if not ids:
        raise ScaleError(f"no ids to open for {template}")
    return lambda: cycle([template.format(i) for i in ids])


def portal_pages(session: requests.Session, base_url: str, login: ScaleLogin) -> list[Page]:
    """The client portal's pages, as the busiest client's administrator sees them."""
    first = session.get(f"{base_url}/portal/tickets", timeout=TIMEOUT)
    pages = PAGES_OF.search(first.text)
    deep = max(1, int(pages.group(1)) * 4 // 5) if pages else 1
    year = login.report_year
    return [
        Page("portal home", _same("/portal/")),
        Page("portal ticket list, page 1", _same("/portal/tickets")),
        Page(f"portal ticket list, page {deep}", _same(f"/portal/tickets?page={deep}")),
        Page(f"portal ticket search '{SEARCH}'", _same(f"/portal/tickets?q={SEARCH}")),
        Page("portal tickets, status resolved", _same("/portal/tickets?status=resolved")),
        Page("portal ticket detail", _each("/portal/tickets/{}", login.ticket_ids)),
        Page("portal invoice list", _same("/portal/invoices")),
        Page("portal invoice detail", _each("/portal/invoices/{}", login.invoice_ids)),
        Page(f"portal report {year}", _same(f"/portal/reports?from={year}-01&to={year}-12")),
    ]


def console_pages() -> list[Page]:
    """The staff console's pages over every client's tickets."""
    return [
        Page("console ticket list, page 1", _same("/console/tickets")),
        Page(f"console ticket search '{SEARCH}'", _same(f"/console/tickets?q={SEARCH}")),
        Page("console live board", _same("/console/")),
    ]


def time_page(session: requests.Session, base_url: str, page: Page, samples: int) -> list[float]:
    """Seconds per request for `samples` requests after a short warm-up."""
    paths = page.paths()
    took = []
    for n in range(WARM_UP + samples):
        url = base_url + next(paths)
        start = time.perf_counter()
        answer = session.get(url, timeout=TIMEOUT, allow_redirects=False)
        elapsed = time.perf_counter() - start
        if answer.status_code != 200:
            raise ScaleError(f"{url} answered {answer.status_code}")
        if n >= WARM_UP:
            took.append(elapsed)
    return took


def figures(name: str, took: list[float]) -> list[Figure]:
    """p50 (no target) and p95 (against the target) of one page."""
    p95 = percentile(took, 95)
    return [
        Figure(SCENARIO, f"{name}: p50", ms(percentile(took, 50))),
        Figure(SCENARIO, f"{name}: p95", ms(p95), TARGET, p95 <= TARGET_SECONDS),
    ]


def run_scale(base_url: str, login: ScaleLogin, *, samples: int = 100) -> list[Figure]:
    """Log in over HTTP and time each page; p50/p95 per page with the 150 ms target on p95."""
    base_url = base_url.rstrip("/")
    found: list[Figure] = []
    portal = log_in(base_url, login.portal_email, login.portal_password)
    for page in portal_pages(portal, base_url, login):
        found += figures(page.name, time_page(portal, base_url, page, samples))
    staff = log_in(base_url, login.staff_email, login.staff_password)
    for page in console_pages():
        found += figures(page.name, time_page(staff, base_url, page, samples))
    return found
