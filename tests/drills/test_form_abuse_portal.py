"""Bad input on every form of the client portal and its public pages: overlong
fields, hostile text and control characters are saved as text or refused with a clear
message, never a 500 and never a half-made ticket."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.support.abuse import (
    CONTROL,
    EMOJI,
    HOSTILE,
    IMG,
    JS_URL,
    NUL,
    RTL,
    SCRIPT,
    SQL,
    TEMPLATE,
    assert_no_raw_markup,
    assert_shown_escaped,
    error_text,
    is_refused,
    overlong,
)
from tests.support.forms import post, session_csrf_token
from tests.support.logins import as_client_user
from tests.support.outbox import account_emails, link_path
from tests.support.pages import html_of
from tests.support.users import PASSWORD, make_user
from ticketing.accounts.credentials import request_reset
from ticketing.accounts.models import AccessRequest, User
from ticketing.billing.models import Invoice
from ticketing.models import OutboxMessage, Ticket
from ticketing.service_requests.models import ServiceRequest

HELP = "/portal/requests/new?kind=help_desk"
PRO = "/portal/requests/new?kind=professional_service"
EMERGENCY = "/portal/requests/new?kind=emergency"
ACCESS = {
    "name": "Nina Newcomer",
    "company": "Blue Ridge Bakery",
    "email": "nina@bakery.example",
    "phone": "",
    "message": "",
}
# Every POST route of the portal and its public pages, with the fields each one reads.
PORTAL_FORMS = {
    "/portal/requests/new": {"description", "technician", "windows-N-start", "hour_limit"},
    "/portal/tickets/<int:number>/retainer": {"choice"},
    "/portal/invoices/<int:invoice_id>/pay": set(),
    "/login": {"email", "password", "remember"},
    "/logout": set(),
    "/request-access": {"name", "company", "email", "phone", "message"},
    "/contact": {"name", "company", "email", "phone", "message"},
    "/forgot-password": {"email"},
    "/set-password/<token>": {"password", "confirm"},
    "/login/code": {"code"},
    "/login/enrol": {"code"},
    "/portal/account/two-step": {"code"},
    "/portal/account/recovery-codes": set(),
}


def _rows(session: Session) -> tuple[int, ...]:
    session.expire_all()
    models = (Ticket, ServiceRequest, AccessRequest, OutboxMessage)
    return tuple(session.scalar(select(func.count()).select_from(m)) or 0 for m in models)


def _newest_ticket(session: Session) -> Ticket:
    session.expire_all()
    return session.scalars(select(Ticket).order_by(Ticket.id.desc()).limit(1)).one()


@pytest.fixture
def alice(client, session: Session, directory: dict[str, Any]) -> User:
    """The bakery's company administrator, logged in."""
    return as_client_user(client, session, directory["bakery"], billing=True)


def test_every_portal_form_is_drilled(app: Flask) -> None:
    posted = {
        rule.rule
        for rule in app.url_map.iter_rules()
        if "POST" in (rule.methods or set())
        and not rule.rule.startswith(("/console", "/twilio", "/sandbox", "/stripe"))
    }
    assert posted == set(PORTAL_FORMS), "a new form needs its bad-input drill here"


# --- overlong values -------------------------------------------------------------------


@pytest.mark.parametrize("path", [HELP, PRO, EMERGENCY])
@pytest.mark.parametrize("size", [40_000, 1024 * 1024])
def test_overlong_description_is_refused(client, session, alice, path, size) -> None:
    before = _rows(session)
    response = post(client, path, {"description": "w" * size})
    assert is_refused(response) or response.status_code == 200, response.status_code
    if response.status_code == 200:
        assert "4000 characters" in error_text(response.text)
    assert _rows(session) == before


@pytest.mark.parametrize(
    "field,value",
    [
        ("technician", "Dana Whitfield" * 100),
        ("windows-0-start", "2026-12-08T09:00" * 1000),
        ("windows-0-end", "9" * 100_000),
        ("hour_limit", "9" * 100_000),
        ("hour_limit", "1" + "0" * 5000 + ".5"),
    ],
)
def test_overlong_professional_fields_are_refused(client, session, alice, field, value) -> None:
    before = _rows(session)
    form = {"description": "Move the PC", "windows-0-start": "2026-12-08T09:00"}
    response = post(client, PRO, {**form, "windows-0-end": "2026-12-08T10:00", field: value})
    html = html_of(response, 200, 400, 413)
    assert error_text(html).strip(), "refused without saying why"
    assert _rows(session) == before


@pytest.mark.parametrize(
    "field,limit", [("name", 200), ("company", 200), ("email", 254), ("message", 2000)]
)
def test_overlong_access_request_fields_are_refused(client, session, directory, field, limit):
    for value in overlong(limit):
        before = _rows(session)
        response = post(client, "/request-access", {**ACCESS, field: value})
        html = html_of(response, 200, 413)
        if response.status_code == 200:
            assert "characters" in error_text(html) or "email address" in error_text(html)
        assert _rows(session) == before


def test_overlong_phone_on_access_request_is_refused(client, session, directory) -> None:
    for value in ["5" * 41, "(336) 555-0123" * 1000]:
        before = _rows(session)
        html = html_of(post(client, "/request-access", {**ACCESS, "phone": value}))
        assert error_text(html).strip()
        assert _rows(session) == before


@pytest.mark.parametrize("path", ["/login", "/forgot-password"])
def test_overlong_login_and_reset_fields_are_refused(client, session, directory, path) -> None:
    for value in overlong(254):
        data = {"email": value + "@example.com", "password": value}
        response = post(client, path, data)
        html = html_of(response, 200, 413)
        if response.status_code == 200:
            assert error_text(html).strip() or "do not match" in html
            assert "sent" not in html.split("<main", 1)[1].split("</h1>", 1)[0]
    assert not account_emails(session)


def test_overlong_new_password_is_refused(client, session, directory, clock) -> None:
    from ticketing.firm import Firm

    make_user(session, "reset@bakery.example", client=directory["bakery"])
    request_reset(
        session,
        "reset@bakery.example",
        now=clock(),
        firm=Firm(name="Firm", base_url="https://x.example"),
    )
    session.commit()
    path = link_path(account_emails(session, "reset@bakery.example")[-1].body)
    assert client.get(path).status_code == 200
    for value in overlong(1024):
        response = post(client, path, {"password": value, "confirm": value})
        html = html_of(response, 200, 413)
        if response.status_code == 200:
            assert "characters" in error_text(html)
    assert client.get(path).status_code == 200  # the link was not used up


# --- hostile text ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [HOSTILE, SCRIPT, IMG, TEMPLATE, SQL, RTL, EMOJI, JS_URL, CONTROL],
    ids=["all", "script", "img", "template", "sql", "rtl", "emoji", "js-url", "control"],
)
def test_hostile_description_is_saved_as_typed(client, session, alice, text) -> None:
    response = post(client, HELP, {"description": text})
    assert response.status_code == 302, response.text[:1000]
    ticket = _newest_ticket(session)
    assert ticket.description == text.strip()
    html = html_of(client.get(response.location))
    assert_no_raw_markup(html)
    if text in (HOSTILE, SCRIPT, IMG, TEMPLATE):
        assert_shown_escaped(html, text)


def test_nul_in_description_is_refused_or_dropped(client, session, alice) -> None:
    before = _rows(session)
    response = post(client, HELP, {"description": NUL})
    assert response.status_code in (302, 400), response.status_code
    if response.status_code == 302:
        assert "\x00" not in (_newest_ticket(session).description or "")
    else:
        assert "NUL" in response.text or "control character" in response.text
        assert _rows(session) == before


@pytest.mark.parametrize(
    "field,value",
    [
        ("technician", SCRIPT),
        ("technician", "'; DROP TABLE technicians; --"),
        ("windows-0-start", IMG),
        ("windows-0-end", TEMPLATE),
        ("hour_limit", SCRIPT),
        ("hour_limit", "1e999999999"),
        ("hour_limit", "-1e-999999999"),
        ("hour_limit", "NaN"),
        ("hour_limit", "Infinity"),
        ("hour_limit", "sNaN"),
        ("hour_limit", "4\x00"),
        ("windows-0-start", "2026-12-08T09:00\x00"),
        ("windows-0-start", "9999-12-31T23:59"),
        ("windows-0-end", "9999-12-31T23:59"),
        ("windows-0-start", "2026-02-30T09:00"),
    ],
)
def test_hostile_professional_fields_are_refused_clearly(client, session, alice, field, value):
    before = _rows(session)
    form = {
        "description": "Move the PC",
        "windows-0-start": "2026-12-08T09:00",
        "windows-0-end": "2026-12-08T10:00",
    }
    response = post(client, PRO, {**form, field: value})
    html = html_of(response, 200, 400)
    assert_no_raw_markup(html)
    assert error_text(html).strip(), "refused without saying why"
    assert _rows(session) == before


def test_professional_request_with_hostile_text_saves_it_as_text(client, session, alice) -> None:
    form = {
        "description": HOSTILE,
        "technician": "Luis Romero",
        "windows-0-start": "2026-12-08T09:00",
        "windows-0-end": "2026-12-08T12:00",
        "hour_limit": "2.5",
    }
    response = post(client, PRO, form)
    assert response.status_code == 302, response.text[:1000]
    ticket = _newest_ticket(session)
    assert ticket.description == HOSTILE
    request = session.scalar(select(ServiceRequest).where(ServiceRequest.ticket_id == ticket.id))
    assert request is not None and request.hour_limit == Decimal("2.50")
    assert_shown_escaped(html_of(client.get(response.location)))


def test_refused_request_shows_the_hostile_text_escaped_in_the_form(client, session, alice):
    # A refusal from the domain (a window in the past) re-renders the typed text.
    form = {
        "description": HOSTILE,
        "windows-0-start": "2026-12-01T09:00",
        "windows-0-end": "2026-12-01T10:00",
    }
    before = _rows(session)
    html = html_of(post(client, PRO, form))
    assert "in the past" in html
    assert_shown_escaped(html)
    assert _rows(session) == before


@pytest.mark.parametrize("choice", [SCRIPT, "apply" * 10_000, "apply\x00", "' OR 1=1 --"])
def test_hostile_retainer_choice_is_refused(client, session, alice, directory, choice) -> None:
    ticket = _make_ticket(client, session)
    response = post(client, f"/portal/tickets/{ticket.number}/retainer", {"choice": choice})
    assert response.status_code == 400
    assert_no_raw_markup(response.text)
    session.expire_all()
    assert session.get(Ticket, ticket.id).apply_retainer is False


def _make_ticket(client, session) -> Ticket:
    assert post(client, HELP, {"description": "Printer offline"}).status_code == 302
    return _newest_ticket(session)


def test_pay_ignores_hostile_extra_fields(client, session, alice, directory) -> None:
    invoice = Invoice(
        client_id=directory["bakery"].id, number="B-9", status="issued", total=Decimal("10")
    )
    session.add(invoice)
    session.commit()
    data = {"amount": "-1e9999", "invoice_id": SCRIPT, "success_url": JS_URL}
    response = post(client, f"/portal/invoices/{invoice.id}/pay", data)
    assert response.status_code == 303
    assert response.location.endswith(f"/portal/invoices/{invoice.id}")


@pytest.mark.parametrize(
    "field", ["name", "company", "message"], ids=["name", "company", "message"]
)
def test_hostile_access_request_is_saved_as_text(client, session, directory, field) -> None:
    value = HOSTILE if field == "message" else f"{SCRIPT}{IMG}"
    response = post(client, "/request-access", {**ACCESS, field: value})
    assert response.status_code == 302, response.text[:1000]
    session.expire_all()
    stored = session.scalars(select(AccessRequest)).one()
    assert getattr(stored, field) == value


@pytest.mark.parametrize("value", [SCRIPT, IMG, JS_URL, SQL, "a@b.c\x00", "x@" + "y" * 300])
def test_hostile_email_and_phone_are_refused_clearly(client, session, directory, value) -> None:
    before = _rows(session)
    for field in ("email", "phone"):
        html = html_of(post(client, "/request-access", {**ACCESS, field: value}), 200, 400)
        assert_no_raw_markup(html)
        assert error_text(html).strip(), f"{field} refused without saying why"
    assert _rows(session) == before


@pytest.mark.parametrize("value", [SCRIPT, SQL, "' OR 1=1 --", "a\x00@b.example", RTL])
def test_hostile_login_is_refused_without_error(client, session, directory, value) -> None:
    for path in ("/login", "/forgot-password"):
        html = html_of(post(client, path, {"email": value, "password": value}), 200, 400)
        assert_no_raw_markup(html)


def test_hostile_next_after_login_stays_on_this_site(client, session, directory) -> None:
    make_user(session, "next@bakery.example", client=directory["bakery"])
    for target in (JS_URL, "//evil.example", "/\t/evil.example", "https://evil.example/"):
        response = client.post(
            "/login?next=" + target,
            data={
                "email": "next@bakery.example",
                "password": PASSWORD,
                "csrf_token": session_csrf_token(client),
            },
        )
        assert response.status_code == 302
        assert response.location in ("/portal/", "http://localhost/portal/")
        post(client, "/logout")


@pytest.mark.parametrize(
    "path",
    [
        "/set-password/abc%00def",
        "/oncall/abc%00.ics",
        "/portal/tickets?q=printer%00",
        "/login?next=/portal/%00",
    ],
)
def test_nul_in_the_address_is_refused_not_a_crash(client, session, alice, path) -> None:
    response = client.get(path)
    assert response.status_code == 400
    assert "NUL" in error_text(response.text)


@pytest.mark.parametrize("path", ["/login/code", "/login/enrol"])
@pytest.mark.parametrize("value", [SCRIPT, SQL, TEMPLATE, RTL, EMOJI, "1" * 40_000, "12\x003456"])
def test_hostile_second_factor_codes_are_refused_without_error(
    client, session, path, value
) -> None:
    make_user(session, "sam@firm.example", role="staff", second_factor=path == "/login/code")
    post(client, "/login", {"email": "sam@firm.example", "password": PASSWORD})
    response = client.post(path, data={"code": value, "csrf_token": session_csrf_token(client)})
    assert is_refused(response) or response.status_code == 200, response.status_code
    assert error_text(response.text)
    assert "<script>alert(1)" not in response.text
    assert client.get("/console/").location == path  # still only half logged in
