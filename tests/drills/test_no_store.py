"""Answers to a logged-in user (portal pages, the invoice PDF, the report CSV, the console)
say `Cache-Control: no-store`: a shared computer's browser cache or a proxy must not keep
a client's tickets, invoices or reports after they log out."""

from __future__ import annotations

import pytest

from tests.support.invoices import add_invoice
from tests.support.logins import log_in
from tests.support.users import make_user
from ticketing.models import Ticket


@pytest.fixture
def people(session, directory):
    bakery = directory["bakery"]
    ticket = Ticket(service_class="emergency", client_id=bakery.id, status="resolved")
    session.add(ticket)
    session.flush()
    invoice = add_invoice(session, bakery, "INV-2026-0301", [("Help desk", "1", "95")])
    session.commit()
    return {
        "admin": make_user(
            session,
            "owner@bakery.example",
            client=bakery,
            role="client_admin",
            name="Olive",
            billing=True,
        ),
        "staff": make_user(session, "priya@firm.example", role="staff", name="Priya"),
        "ticket": ticket.id,
        "invoice": invoice.id,
    }


def _no_store(response) -> bool:
    directives = response.headers.get("Cache-Control", "").replace(" ", "").split(",")
    return "no-store" in directives


def test_every_answer_to_a_logged_in_user_is_not_stored(app, people) -> None:
    admin = log_in(app.test_client(), people["admin"])
    staff = log_in(app.test_client(), people["staff"])
    answers = {
        "portal home": admin.get("/portal/"),
        "portal ticket": admin.get(f"/portal/tickets/{people['ticket']}"),
        "invoice pdf": admin.get(f"/portal/invoices/{people['invoice']}.pdf"),
        "report csv": admin.get("/portal/reports.csv"),
        "portal 404": admin.get("/portal/tickets/999999"),
        "login page when logged in": admin.get("/login"),
        "console board": staff.get("/console/"),
        "console ticket": staff.get(f"/console/tickets/{people['ticket']}"),
        "console billing": staff.get("/console/billing"),
    }
    assert answers["portal home"].status_code == 200
    assert answers["portal ticket"].status_code == 200
    assert answers["invoice pdf"].mimetype == "application/pdf"
    assert answers["report csv"].mimetype == "text/csv"
    assert answers["console board"].status_code == 200
    assert answers["console ticket"].status_code == 200
    for what, response in answers.items():
        assert _no_store(response), f"{what}: {response.headers.get('Cache-Control')!r}"


def test_static_files_stay_cacheable(app, people) -> None:
    admin = log_in(app.test_client(), people["admin"])
    for client in (app.test_client(), admin):
        assert not _no_store(client.get("/static/portal.css"))
