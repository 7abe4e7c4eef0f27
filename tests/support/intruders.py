"""Helpers for the intruder drills: two companies full of data (one of them the target),
apps with other settings on the test database, whole-database snapshots ("nothing
changed"), URLs built from the app's own rules, and the form data each POST route takes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from flask import Flask
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session
from werkzeug.routing import Rule

from intake.app import create_app
from intake.clock import FrozenClock
from intake.config import Settings
from intake.db import Database
from tests.support.portal import Portal, agreement, build_portal
from tests.support.tickets import request_ticket
from tests.support.twilio import PhoneCall, TwilioPoster
from tests.support.users import make_user
from ticketing.accounts.models import AccessRequest, User
from ticketing.billing import retainer
from ticketing.billing.models import Invoice, InvoiceLine
from ticketing.models import Technician
from ticketing.oncall.models import OnCallOverride
from ticketing.orm import Base

# Words that exist only in the target company's (the diner's) data: none may ever show
# in a page served to anyone else.
DINER_SECRETS = (
    "Yadkin Valley Diner",
    "Diner fryer tablet",
    "Zanzibar",
    "DZ-90417",
    "Quokka",
    "Mallory Diner",
    "Dora Quill",
    "mallory@d.example",
    "dora.quill@diner.example",
)
# And the bakery's, for strangers and the console-less.
BAKERY_SECRETS = ("Blue Ridge Bakery", "Printer offline", "Upgrade the POS server", "B-1")
# Where signatures, not sessions, decide (tested by test_signature_edges.py).
SIGNED_PREFIXES = ("/twilio/", "/sandbox/")
CSRF_REFUSALS = (
    "The CSRF token is missing.",
    "The CSRF token is invalid.",
    "The CSRF tokens do not match.",
    "The CSRF session token is missing.",
    "The CSRF token has expired.",
    "The referrer header is missing.",
    "The referrer does not match the host.",
)


def drill_app(
    settings: Settings, database: Database, clock: FrozenClock, **overrides: Any
) -> Flask:
    """Another app on the test's database and clock, with some settings changed."""
    app = create_app(settings.with_overrides(**overrides), database=database, clock=clock)
    app.config["TESTING"] = True
    app.config["WTF_CSRF_ENABLED"] = True
    return app


def snapshot(connection: Connection) -> dict[str, list[tuple[str, ...]]]:
    """Every row of every table, as text, in a stable order (to prove nothing changed)."""
    rows: dict[str, list[tuple[str, ...]]] = {}
    for table in Base.metadata.sorted_tables:
        found = connection.execute(select(table)).all()
        rows[table.name] = sorted(tuple(repr(value) for value in row) for row in found)
    return rows


def changed_tables(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Names of the tables whose rows differ between two snapshots."""
    return [name for name in before if before[name] != after[name]]


def text_of(response: Any) -> str:
    """A response body as text (binary answers such as PDFs decoded leniently)."""
    return response.get_data().decode("utf-8", "replace")


def leaks(body: str, secrets: Iterable[str], asked: str = "") -> list[str]:
    """The secrets that appear in a response body (but not in the URL `asked`, which a
    redirect to the login page may echo)."""
    return [secret for secret in secrets if secret in body and secret not in asked]


def rule_url(app: Flask, rule: Rule, values: dict[str, Any]) -> str:
    """The path of `rule` with `values` filled in."""
    adapter = app.url_map.bind("localhost")
    return adapter.build(rule.endpoint, values, force_external=False)


def methods(rule: Rule) -> list[str]:
    """The methods a rule answers that a browser or intruder would use."""
    return sorted(rule.methods - {"HEAD", "OPTIONS"})  # type: ignore[operator]


def swept_rules(app: Flask) -> list[Rule]:
    """Every rule not guarded by a Twilio signature (those have their own drills)."""
    rules = [r for r in app.url_map.iter_rules() if not r.rule.startswith(SIGNED_PREFIXES)]
    return sorted(rules, key=lambda r: (r.rule, r.endpoint))


@dataclass
class Company:
    """One company's objects, by the URL argument that names them."""

    client_id: int
    tickets: list[int]
    invoices: list[int]
    invoice_numbers: list[str]


@dataclass
class Intruders:
    """The bakery (company A, the intruders' own) and the diner (company B, the target)."""

    portal: Portal
    dora: User  # the diner's client_user
    bakery: Company
    diner: Company
    access_request_id: int
    override_id: int
    calendar_token: str
    draft_invoice: str


def _diner_objects(session: Any, directory: dict[str, Any], now: Any) -> User:
    diner = directory["diner"]
    dora = make_user(
        session,
        "dora.quill@diner.example",
        client=diner,
        name="Dora Quill",
        contact=directory["maria"],
    )
    agreement(session, diner, "prepaid_hours", "Quokka Fryer Care Plan")
    retainer.purchase(session, diner.id, Decimal(10), None, "Quokka hours", now)
    request_ticket(
        session, diner, dora, "professional_service", "Zanzibar grill controller swap", now
    )
    invoice = Invoice(
        client_id=diner.id,
        number="DZ-90417",
        status="issued",
        issued_on=date(2026, 11, 30),
        total=Decimal("321.00"),
    )
    invoice.lines.append(
        InvoiceLine(
            description="Zanzibar grill controller service",
            quantity=Decimal(2),
            unit_price=Decimal("160.50"),
            amount=Decimal("321.00"),
        )
    )
    session.add(invoice)
    session.commit()
    return dora


def _company(session: Any, client_id: int) -> Company:
    from ticketing.models import Ticket

    tickets = session.scalars(select(Ticket.id).where(Ticket.client_id == client_id)).all()
    invoices = session.execute(
        select(Invoice.id, Invoice.number).where(
            Invoice.client_id == client_id, Invoice.status != "draft"
        )
    ).all()
    return Company(
        client_id=client_id,
        tickets=sorted(tickets),
        invoices=[row.id for row in invoices],
        invoice_numbers=[row.number for row in invoices],
    )


def build_intruders(
    session: Session,
    directory: dict[str, Any],
    phone: Callable[..., PhoneCall],
    twilio: TwilioPoster,
    clock: FrozenClock,
) -> Intruders:
    """Both companies with tickets of every class, invoices, agreements, pre-paid hours,
    requests and users; plus an access request, an on-call override and a draft invoice."""
    portal = build_portal(session, directory, phone, twilio, clock)
    now = clock()
    dora = _diner_objects(session, directory, now)
    pending = AccessRequest(
        name="Eve Outsider", company="Outsiders", email="eve@outsiders.example", created_at=now
    )
    luis = directory["luis"]
    override = OnCallOverride(
        technician_id=luis.id,
        role="primary",
        starts_at=now + timedelta(days=2),
        ends_at=now + timedelta(days=3),
    )
    draft = Invoice(client_id=directory["bakery"].id, number="DRAFT-7", status="draft")
    session.add_all([pending, override, draft])
    session.commit()
    token = session.scalar(select(Technician.calendar_token).where(Technician.id == luis.id))
    session.expire_all()
    return Intruders(
        portal=portal,
        dora=dora,
        bakery=_company(session, directory["bakery"].id),
        diner=_company(session, directory["diner"].id),
        access_request_id=pending.id,
        override_id=override.id,
        calendar_token=token,
        draft_invoice=draft.number,
    )


# Plausible data for each POST route: enough that, were a check missing, the request
# would change something (the CSRF drills prove it by posting it once with a good token).
FORMS: dict[str, dict[str, str]] = {
    "portal.apply_retainer": {"choice": "apply"},
    "portal.pay_invoice": {},
    "portal.new_request": {"description": "Intruder request", "kind": "help_desk"},
    "console.billing_run": {"month": "2026-11"},
    "console.billing_issue": {},
    "console.billing_void": {},
    "console.take_next": {"technician": "Luis Romero"},
    "console.schedule": {"technician": "Luis Romero", "start": "2026-12-08T09:00"},
    "console.calendar_add_closure": {"day": "2026-12-28", "name": "Intruder closure"},
    "console.calendar_mark_open": {"day": "2026-12-25"},
    "console.calendar_remove_edit": {"day": "2026-12-28"},
    "console.calendar_library_rule": {"name": "Veterans Day", "choice": "work"},
    "console.calendar_add_recurring": {"name": "Intruder day", "on": "Dec 23"},
    "console.calendar_remove_rule": {"name": "Intruder day"},
    "console.clients_add": {"name": "Intruder Co", "account": "6666"},
    "console.client_add_contact": {"name": "Intruder", "phone": "+13365550999"},
    "console.access_approve": {"account": "1001", "admin": "on", "billing": "on"},
    "console.access_reject": {"reason": "Not a client."},
    "console.oncall_add_override": {
        "technician": "Luis Romero",
        "start": "2026-12-10T08:00",
        "end": "2026-12-10T20:00",
        "role": "primary",
    },
    "console.oncall_delete_override": {},
    "console.oncall_policy": {"steps": "primary 5m\nmanager 5m", "repeat": "2", "pause": "1m"},
    "console.acknowledge": {"technician": "Luis Romero"},
    "console.assign": {"technician": "Luis Romero"},
    "console.reclassify": {"technician": "Luis Romero", "reason": "Not urgent."},
    "console.note": {"note": "Intruder note"},
    "console.log_time": {
        "technician": "Luis Romero",
        "minutes": "30",
        "started_at": "2026-12-05T22:00",
        "note": "Intruder time",
    },
    "console.resolve": {"technician": "Luis Romero"},
    "console.technician_availability": {"availability": "available"},
    "console.follow_up": {},
    "auth.login": {"email": "alice@bakery.example", "password": "correct horse battery staple"},
    "auth.logout": {},
    "auth.request_access": {
        "name": "Eve Again",
        "company": "Outsiders",
        "email": "eve2@outsiders.example",
    },
    "auth.forgot_password": {"email": "alice@bakery.example"},
    "auth.set_password_page": {
        "password": "a brand new password",
        "confirm": "a brand new password",
    },
}
