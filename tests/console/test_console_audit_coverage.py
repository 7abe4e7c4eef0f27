"""Every POST of the console, made by a staff member, leaves its change in the audit trail
under their name. The routes are read from the app's URL map, so a new console form without
a case below fails `test_every_console_post_is_covered`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from intake.clock import FrozenClock
from tests.support.audit import trail
from tests.support.billing import add_agreement, work
from tests.support.emergencies import emergency
from tests.support.forms import post
from tests.support.invoices import add_invoice
from tests.support.logins import STAFF_NAME, as_staff
from tests.support.moments import local
from tests.support.tickets import add_ticket, request_ticket
from tests.support.users import make_user
from ticketing.accounts.models import AccessRequest
from ticketing.calendar.days import add_closure
from ticketing.calendar.rules import work_holiday
from ticketing.oncall.models import OnCallOverride

World = dict[str, Any]
Arrange = Callable[[Session, World, FrozenClock, Callable[..., Any]], dict[str, Any]]
TECH = {"technician": "Luis Romero"}
# Console POSTs that change nothing the trail follows, and why.
NOT_AUDITED = {
    # Rings a technician's phone (an outbox row); no record of the firm's changes.
    "console.take_next": "rings a technician to take the next help-desk caller",
}


def _nothing(*_: Any) -> dict[str, Any]:
    return {}


def _bakery(_session: Session, world: World, *_: Any) -> dict[str, Any]:
    return {"client_id": world["bakery"].id}


def _access_request(session: Session, _world: World, clock: FrozenClock, *_: Any) -> dict:
    pending = AccessRequest(
        name="Ann Baker", company="Bakery", email="ann@b.test", created_at=clock()
    )
    session.add(pending)
    session.commit()
    return {"request_id": pending.id}


def _rule(session: Session, *_: Any) -> dict[str, Any]:
    work_holiday(session, "Veterans Day", "US-NC")
    session.commit()
    return {}


def _closure(session: Session, *_: Any) -> dict[str, Any]:
    add_closure(session, date(2026, 12, 28), "Inventory")
    session.commit()
    return {}


def _override(session: Session, world: World, clock: FrozenClock, *_: Any) -> dict[str, Any]:
    override = OnCallOverride(
        technician_id=world["luis"].id,
        role="primary",
        starts_at=clock() + timedelta(days=2),
        ends_at=clock() + timedelta(days=3),
    )
    session.add(override)
    session.commit()
    return {"override_id": override.id}


def _unbilled(session: Session, world: World, clock: FrozenClock, *_: Any) -> dict[str, Any]:
    add_agreement(session, world["bakery"], emergency="225.00")
    ticket = add_ticket(session, world["bakery"], "emergency")
    work(session, ticket, world["dana"], "2026-11-10 09:00", 90, clock(), "Router")
    session.commit()
    return {}


def _invoice(status: str) -> Arrange:
    def arrange(session: Session, world: World, *_: Any) -> dict[str, Any]:
        add_invoice(
            session, world["bakery"], f"INV-{status}", [("Work", "1", "100")], status=status
        )
        session.commit()
        return {"number": f"INV-{status}"}

    return arrange


def _paged(session: Session, _world: World, _clock: FrozenClock, phone: Callable) -> dict:
    return {"number": emergency(phone, session).id}


def _help_desk(session: Session, world: World, *_: Any) -> dict[str, Any]:
    ticket = add_ticket(session, world["bakery"], "help_desk")
    session.commit()
    return {"number": ticket.id}


def _resolved_emergency(session: Session, world: World, *_: Any) -> dict[str, Any]:
    ticket = add_ticket(session, world["bakery"], "emergency")
    ticket.status, ticket.resolved_at = "resolved", ticket.opened_at + timedelta(hours=1)
    session.commit()
    return {"number": ticket.id}


def _unpaid(session: Session, world: World, *_: Any) -> dict[str, Any]:
    ticket = add_ticket(session, world["diner"], "emergency")
    ticket.payment_contact = True
    session.commit()
    return {"number": ticket.id}


def _requested(session: Session, world: World, clock: FrozenClock, *_: Any) -> dict[str, Any]:
    user = make_user(session, "ann@b.test", client=world["bakery"])
    window = (local("2026-12-08 08:00"), local("2026-12-08 12:00"))
    ticket = request_ticket(
        session, world["bakery"], user, "professional_service", "Swap the router", clock(),
        windows=[window],
    )  # fmt: skip
    return {"number": ticket.id}


def _two_step_user(session: Session, world: World, clock: FrozenClock, *_: Any) -> dict:
    user = make_user(session, "ann@b.test", client=world["bakery"], role="client_admin")
    user.totp_secret, user.totp_confirmed_at = "JBSWY3DPEHPK3PXP", clock()
    session.commit()
    return {"user_id": user.id}


def _luis(session: Session, world: World, *_: Any) -> dict[str, Any]:
    return {"kind": "technician", "person_id": world["luis"].id}


def _luis_gone(session: Session, world: World, *_: Any) -> dict[str, Any]:
    world["luis"].active = False
    session.commit()
    return _luis(session, world)


@dataclass(frozen=True)
class Case:
    """A console POST: what it needs first, what it sends, which objects it changes."""

    arrange: Arrange
    form: dict[str, str]
    kinds: tuple[str, ...]
    answers: tuple[int, ...] = (302, 303)


CASES: dict[str, Case] = {
    "console.clients_add": Case(_nothing, {"name": "Quarry Cafe", "account": "7001"}, ("client",)),
    "console.client_add_contact": Case(
        _bakery, {"name": "Ann Baker", "phone": "+13365550999"}, ("contact",)
    ),
    "console.access_approve": Case(
        _access_request, {"account": "1001", "admin": "on"}, ("access request", "user")
    ),
    "console.access_reject": Case(_access_request, {"reason": "Unknown."}, ("access request",)),
    "console.calendar_add_closure": Case(
        _nothing, {"day": "2026-12-28", "name": "Inventory"}, ("calendar day",)
    ),
    "console.calendar_mark_open": Case(_nothing, {"day": "2026-12-25"}, ("calendar day",)),
    "console.calendar_remove_edit": Case(_closure, {"day": "2026-12-28"}, ("calendar day",)),
    "console.calendar_library_rule": Case(
        _nothing, {"name": "Veterans Day", "choice": "work"}, ("holiday rule",)
    ),
    "console.calendar_add_recurring": Case(
        _nothing, {"name": "Office party", "on": "Dec 23"}, ("holiday rule",)
    ),
    "console.calendar_remove_rule": Case(_rule, {"name": "Veterans Day"}, ("holiday rule",)),
    "console.oncall_add_override": Case(
        _nothing,
        {**TECH, "start": "2026-12-10T08:00", "end": "2026-12-10T20:00", "role": "primary"},
        ("on-call override",),
    ),
    "console.oncall_delete_override": Case(_override, {}, ("on-call override",)),
    "console.oncall_policy": Case(
        _nothing,
        {"steps": "0m primary sms\n5m manager call", "repeat": "2", "pause": "1m"},
        ("escalation policy",),
    ),
    "console.billing_run": Case(_unbilled, {"month": "2026-11"}, ("invoice",)),
    "console.billing_issue": Case(_invoice("draft"), {}, ("invoice",)),
    "console.billing_void": Case(_invoice("issued"), {}, ("invoice",)),
    "console.acknowledge": Case(_paged, TECH, ("ticket",)),
    "console.assign": Case(_help_desk, TECH, ("ticket",)),
    "console.reclassify": Case(_paged, {**TECH, "reason": "A printer."}, ("ticket",)),
    "console.note": Case(_help_desk, {"note": "Called back."}, ("ticket",)),
    "console.log_time": Case(
        _help_desk,
        {**TECH, "minutes": "30", "started_at": "2026-12-05T22:00"},
        ("time entry",),
    ),
    "console.resolve": Case(_help_desk, TECH, ("ticket",)),
    "console.follow_up": Case(_resolved_emergency, {}, ("ticket",)),
    "console.person_edit": Case(
        _luis, {"name": "Luis R", "phone": "+13365550188"}, ("technician",)
    ),
    "console.person_deactivate": Case(_luis, {}, ("technician",)),
    "console.person_reactivate": Case(_luis_gone, {}, ("technician",)),
    "console.technician_availability": Case(_luis, {"availability": "available"}, ("technician",)),
    "console.reset_second_factor": Case(_two_step_user, {}, ("user",)),
    "console.new_recovery_codes": Case(_nothing, {}, ("user",), answers=(200,)),
    "console.payment_done": Case(_unpaid, {}, ("ticket",)),
    "console.schedule": Case(
        _requested, {**TECH, "start": "2026-12-08T09:00"}, ("service request",)
    ),
}


def _console_posts(app: Flask) -> dict[str, str]:
    return {
        rule.endpoint: rule.rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("console.") and "POST" in (rule.methods or ())
    }


def test_every_console_post_is_covered(app) -> None:
    posts = set(_console_posts(app))
    assert posts - set(NOT_AUDITED) == set(CASES), "give the new console POST a case here"


@pytest.mark.parametrize("endpoint", sorted(CASES))
def test_a_console_post_records_its_change(
    app, client, session, directory, clock, phone, endpoint
) -> None:
    case = CASES[endpoint]
    values = case.arrange(session, directory, clock, phone)
    assert trail(session) == []  # what the test arranged was nobody's change
    as_staff(client, session)
    with app.test_request_context():
        from flask import url_for

        url = url_for(endpoint, **values)

    response = post(client, url, case.form)

    assert response.status_code in case.answers, (endpoint, response.status_code)
    session.expire_all()
    entries = trail(session)
    assert {e.subject_type for e in entries} >= set(case.kinds), (endpoint, entries)
    assert {e.actor for e in entries} == {f"{STAFF_NAME} <sam@accelerando.example>"}
    assert {e.source for e in entries} == {"console"}
    assert all(e.at == clock() for e in entries)
    written = repr([(e.before, e.after) for e in entries])
    assert "JBSWY3" not in written and "scrypt" not in written  # secrets never shown
