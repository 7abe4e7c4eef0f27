"""Every browser-facing route, every method, tried by a stranger, by another company's
administrator and user, and by client people on the console: refused (log in, or 404),
never a page with another company's data, and nothing changed.

The table below classifies each endpoint; a route added without a line here fails
`test_every_route_is_classified`, so a new page cannot slip past the sweep.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select
from werkzeug.routing import Rule

from tests.support.forms import session_csrf_token
from tests.support.intruders import (
    BAKERY_SECRETS,
    DINER_SECRETS,
    FORMS,
    Company,
    Intruders,
    build_intruders,
    changed_tables,
    leaks,
    methods,
    rule_url,
    snapshot,
    swept_rules,
    text_of,
)
from tests.support.logins import log_in
from tests.support.recordings import fake_recordings, twilio_recording_url
from tests.support.tickets import request_ticket
from tests.support.users import make_user
from ticketing.models import Ticket

# public: anyone; link: the URL's secret token is the credential; signed: the sender's
# signature is; client: any person of a client company (users: their own tickets);
# admin: the company's administrators; billing: administrators or users with billing
# permission; staff: the firm's console.
ACCESS: dict[str, str] = {
    "public.front": "public",
    "public.healthz": "public",
    # Loopback clients (the test client) without METRICS_TOKEN; tests/portal covers the rest.
    "public.metrics": "public",
    "static": "public",
    "auth.login": "public",
    "auth.logout": "public",
    "auth.request_access": "public",
    "auth.contact": "public",
    "auth.contact_received": "public",
    "auth.request_received": "public",
    "auth.forgot_password": "public",
    "auth.set_password_page": "link",
    # Half logged in (password right, code pending); anyone else is sent to /login.
    "auth.second_factor": "public",
    "auth.enrol": "public",
    "calendar_feed.feed": "link",
    "stripe_webhook.stripe_event": "signed",
    "portal.home": "client",
    "portal.tickets": "client",
    "portal.ticket": "client",
    "portal.recording": "client",
    "portal.apply_retainer": "client",
    "portal.new_request": "client",
    "portal.account": "client",
    "portal.two_step": "admin",
    "portal.recovery_codes": "admin",
    "portal.agreements": "admin",
    "portal.retainer": "admin",
    "portal.reports": "admin",
    "portal.reports_csv": "admin",
    "portal.invoices": "billing",
    "portal.invoice": "billing",
    "portal.invoice_print": "billing",
    "portal.invoice_pdf": "billing",
    "portal.pay_invoice": "billing",
    "console.board": "staff",
    "console.board_panels": "staff",
    "console.take_next": "staff",
    "console.schedule": "staff",
    "console.billing": "staff",
    "console.billing_run": "staff",
    "console.billing_issue": "staff",
    "console.billing_void": "staff",
    "console.calendar": "staff",
    "console.calendar_add_closure": "staff",
    "console.calendar_mark_open": "staff",
    "console.calendar_remove_edit": "staff",
    "console.calendar_library_rule": "staff",
    "console.calendar_add_recurring": "staff",
    "console.calendar_remove_rule": "staff",
    "console.clients": "staff",
    "console.clients_add": "staff",
    "console.client": "staff",
    "console.client_add_contact": "staff",
    "console.access_approve": "staff",
    "console.access_reject": "staff",
    "console.delivery": "staff",
    "console.staff": "staff",
    "console.reset_second_factor": "staff",
    "console.account": "staff",
    "console.new_recovery_codes": "staff",
    "console.audit": "staff",
    "console.oncall": "staff",
    "console.oncall_add_override": "staff",
    "console.oncall_delete_override": "staff",
    "console.technicians": "staff",
    "console.person_edit": "staff",
    "console.person_deactivate": "staff",
    "console.person_reactivate": "staff",
    "console.technician_availability": "staff",
    "console.oncall_policy": "staff",
    "console.tickets": "staff",
    "console.ticket": "staff",
    "console.recording": "staff",
    "console.acknowledge": "staff",
    "console.assign": "staff",
    "console.reclassify": "staff",
    "console.payments": "staff",
    "console.payment_done": "staff",
    "console.note": "staff",
    "console.log_time": "staff",
    "console.resolve": "staff",
    "console.follow_up": "staff",
}
PORTAL = ("client", "admin", "billing")
# Query arguments an intruder adds in the hope that a page honours them.
NOSY = {"client_id": "{diner}", "client": "{diner}", "account": "1003", "user_id": "1"}
MIN_ROUTES = 55


@pytest.fixture
def world(app, session, directory, phone, twilio, clock) -> Intruders:
    """Both companies' data; CSRF on (every POST below carries a valid token)."""
    app.config["WTF_CSRF_ENABLED"] = True
    world = build_intruders(session, directory, phone, twilio, clock)
    # Every ticket has a message to play, so the recording routes open where they may.
    for ticket in session.scalars(select(Ticket)):
        ticket.recording_url = twilio_recording_url()
    session.commit()
    fake_recordings(app)
    return world


def _arg_values(rule: Rule, world: Intruders, side: Company) -> list[dict[str, Any]]:
    """Ways to fill the rule's URL arguments with `side`'s objects (one dict per URL)."""
    if not rule.arguments:
        return [{}]
    endpoint = rule.endpoint
    if endpoint.startswith("console.billing_"):
        return [{"number": n} for n in [world.draft_invoice, *side.invoice_numbers]]
    by_name: dict[str, list[Any]] = {
        "number": side.tickets,
        "invoice_id": side.invoices,
        "client_id": [side.client_id],
        "request_id": [world.access_request_id],
        "override_id": [world.override_id],
        "user_id": [world.dora.id],
        "sim_id": ["CAnot-a-simulated-call"],
        "token": ["not-a-real-token-0123456789"],
        "filename": ["portal.css"],
        "kind": ["user", "client"],
        "person_id": [world.dora.id, side.client_id],
    }
    missing = set(rule.arguments) - set(by_name)
    assert not missing, f"no values for {missing} of {rule.rule}: add them to the sweep"
    combos: list[dict[str, Any]] = [{}]
    for name in sorted(rule.arguments):
        combos = [{**combo, name: value} for combo in combos for value in by_name[name]]
    return combos


def _requests(
    app: Any, world: Intruders, side: Company, kinds: tuple[str, ...]
) -> Iterator[tuple[Rule, str, str]]:
    for rule in swept_rules(app):
        if ACCESS.get(rule.endpoint) not in kinds:
            continue
        for values in _arg_values(rule, world, side):
            for method in methods(rule):
                yield rule, method, rule_url(app, rule, values)


def _send(client: Any, method: str, url: str, endpoint: str, *, data: bool = True) -> Any:
    if method == "GET":
        return client.get(url)
    form = dict(FORMS.get(endpoint, {})) if data else {}
    form["csrf_token"] = session_csrf_token(client)
    return client.post(url, data=form)


def _refused_to_stranger(response: Any) -> bool:
    if response.status_code in (302, 303):
        return "/login" in response.location
    return response.status_code in (401, 403, 404)


def test_every_route_is_classified(app) -> None:
    rules = swept_rules(app)
    unclassified = sorted({r.rule for r in rules if r.endpoint not in ACCESS})
    assert not unclassified, f"classify these routes in ACCESS: {unclassified}"
    stale = sorted(set(ACCESS) - {r.endpoint for r in rules})
    assert not stale, f"ACCESS names endpoints that no longer exist: {stale}"
    for rule in rules:
        if rule.rule.startswith("/portal"):
            assert ACCESS[rule.endpoint] in PORTAL, rule.rule
        if rule.rule.startswith("/console"):
            assert ACCESS[rule.endpoint] == "staff", rule.rule
    assert len(rules) >= MIN_ROUTES


def test_a_stranger_gets_no_page_and_changes_nothing(app, world, connection) -> None:
    client = app.test_client()
    before = snapshot(connection)
    seen = 0
    for side in (world.bakery, world.diner):
        for rule, method, url in _requests(app, world, side, tuple(set(ACCESS.values()))):
            # Public forms get no data: a stranger's empty post must still change nothing.
            public = ACCESS[rule.endpoint] in ("public", "link", "signed")
            response = _send(client, method, url, rule.endpoint, data=not public)
            seen += 1
            body = text_of(response)
            # The health check answers 503 by design here: no scheduler beats in this test.
            degraded = rule.endpoint == "public.healthz" and response.status_code == 503
            assert response.status_code < 500 or degraded, (method, url)
            assert not leaks(body, DINER_SECRETS + BAKERY_SECRETS, url), (method, url)
            if not public:
                assert _refused_to_stranger(response), (method, url, response.status_code)
    assert seen >= MIN_ROUTES
    assert changed_tables(before, snapshot(connection)) == []


def test_another_companys_ids_are_404_for_an_administrator(app, world, connection) -> None:
    client = log_in(app.test_client(), world.portal.alice)  # the bakery's administrator
    before = snapshot(connection)
    refused = 0
    for rule, method, url in _requests(app, world, world.diner, PORTAL):
        # Forms without ids are her own company's (a real request would be legitimate).
        response = _send(client, method, url, rule.endpoint, data=bool(rule.arguments))
        body = text_of(response)
        assert not leaks(body, DINER_SECRETS, url), (method, url)
        if rule.arguments:
            assert response.status_code == 404, (method, url, response.status_code)
            refused += 1
        elif method == "GET":
            nosy = {k: v.format(diner=world.diner.client_id) for k, v in NOSY.items()}
            response = client.get(url, query_string=nosy)
            assert response.status_code == 200, url
            assert not leaks(text_of(response), DINER_SECRETS), url
        else:
            assert response.status_code < 500, (method, url)
    assert refused >= 12
    assert changed_tables(before, snapshot(connection)) == []
    # The same pages with her own company's ids do open: the 404s above were about tenancy.
    for _rule, method, url in _requests(app, world, world.bakery, PORTAL):
        if method == "GET":
            assert client.get(url).status_code == 200, url
    assert "Printer offline" in client.get("/portal/tickets").get_data(as_text=True)


def test_the_target_company_cannot_see_the_intruders_either(app, world, connection) -> None:
    """The same sweep the other way round: the diner's administrator on bakery ids."""
    client = log_in(app.test_client(), world.portal.mallory)
    before = snapshot(connection)
    for rule, method, url in _requests(app, world, world.bakery, PORTAL):
        response = _send(client, method, url, rule.endpoint, data=bool(rule.arguments))
        assert not leaks(text_of(response), BAKERY_SECRETS, url), (method, url)
        if rule.arguments:
            assert response.status_code == 404, (method, url, response.status_code)
    assert changed_tables(before, snapshot(connection)) == []


def _own_tickets(session: Any, user: Any) -> set[int]:
    from sqlalchemy import or_, select

    from ticketing.models import Ticket

    mine = [Ticket.requested_by_user_id == user.id]
    if user.contact_id is not None:
        mine.append(Ticket.contact_id == user.contact_id)
    return set(session.scalars(select(Ticket.id).where(or_(*mine))))


def _company_user(world: Intruders, who: str, session: Any, directory: Any, clock: Any) -> Any:
    if who == "billy":  # a user given billing permission, with a request of his own
        bakery = directory["bakery"]
        billy = make_user(
            session, "billy@bakery.example", client=bakery, name="Billy", billing=True
        )
        ticket = request_ticket(session, bakery, billy, "help_desk", "Billy's till", clock())
        ticket.recording_url = twilio_recording_url()
        session.commit()
        world.bakery.tickets.append(ticket.id)
        return billy
    return world.dora if who == "dora" else world.portal.carol


@pytest.mark.parametrize("who", ["carol", "dora", "billy"])
def test_a_company_user_gets_no_administrator_page(
    app, world, session, connection, directory, clock, who
) -> None:
    """Users see no agreements, reports or pre-paid hours; invoices only with billing
    permission and only their company's; of the tickets only their own."""
    user = _company_user(world, who, session, directory, clock)
    own = _own_tickets(session, user)
    home = world.diner if who == "dora" else world.bakery
    others = BAKERY_SECRETS if who == "dora" else DINER_SECRETS
    client = log_in(app.test_client(), user)
    before = snapshot(connection)
    opened = set()
    for side in (world.bakery, world.diner):
        for rule, method, url in _requests(app, world, side, PORTAL):
            kind = ACCESS[rule.endpoint]
            number = int(url.split("/")[3]) if "number" in rule.arguments else None
            billing = kind == "billing" and user.can_view_billing
            billing = billing and (side is home or not rule.arguments)
            # Her own ticket's or invoice's form is hers to use: real data only where refused.
            intrude = bool(rule.arguments) and number not in own and not billing
            response = _send(client, method, url, rule.endpoint, data=intrude)
            status = response.status_code
            assert not leaks(text_of(response), others, url), (who, method, url)
            if kind == "admin" or (kind == "billing" and not billing):
                assert status == 404, (who, method, url, status)
            elif billing:
                assert status == (200 if method == "GET" else 303), (who, method, url, status)
            elif number is not None:
                if number not in own:
                    assert status == 404, (who, method, url, status)
                elif method == "GET":
                    assert status == 200, (who, url)
                    opened.add(number)
            elif method == "GET":
                assert status == 200, (who, url)
    assert opened == own and own  # their own tickets open: the 404s were not broken URLs
    assert changed_tables(before, snapshot(connection)) == []


def test_client_people_are_refused_on_the_console(app, world, connection) -> None:
    before = snapshot(connection)
    refused = 0
    for user in (world.portal.alice, world.portal.carol, world.portal.mallory, world.dora):
        client = log_in(app.test_client(), user)
        for side in (world.bakery, world.diner):
            for rule, method, url in _requests(app, world, side, ("staff",)):
                response = _send(client, method, url, rule.endpoint)
                assert response.status_code in (403, 404), (user.email, method, url)
                body = text_of(response)
                assert not leaks(body, DINER_SECRETS + BAKERY_SECRETS, url), (method, url)
                refused += 1
    assert refused >= 4 * 40
    assert changed_tables(before, snapshot(connection)) == []


def test_staff_are_refused_on_the_portal_but_open_the_console(app, world, connection) -> None:
    staff = log_in(app.test_client(), world.portal.staff)
    before = snapshot(connection)
    for side in (world.bakery, world.diner):
        for rule, method, url in _requests(app, world, side, PORTAL):
            assert _send(staff, method, url, rule.endpoint).status_code == 404, (method, url)
    assert changed_tables(before, snapshot(connection)) == []
    # Control: the console's pages do open for staff (the refusals above are real).
    for _rule, method, url in _requests(app, world, world.diner, ("staff",)):
        if method == "GET":
            assert staff.get(url).status_code == 200, url
