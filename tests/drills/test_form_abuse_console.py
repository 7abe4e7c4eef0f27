"""Bad input on every form of the staff console: overlong fields, hostile text,
control characters and odd digits are saved as text or refused with a clear message;
never a 500, never a silently cut or half-made change."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, text
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from intake.config import Settings
from tests.support.abuse import (
    EMOJI,
    HOSTILE,
    IMG,
    NUL,
    RTL,
    SCRIPT,
    SHORT_HOSTILE,
    SQL,
    assert_no_raw_markup,
    assert_shown_escaped,
    error_text,
    noise,
    overlong,
)
from tests.support.emergencies import emergency
from tests.support.forms import post
from tests.support.logins import as_staff
from tests.support.pages import html_of
from tests.support.tickets import request_ticket
from tests.support.users import make_user
from ticketing.accounts.access_requests import submit_access_request
from ticketing.accounts.models import AccessRequest
from ticketing.billing.models import TimeEntry
from ticketing.firm import Firm
from ticketing.models import Client, Contact, OutboxMessage, Ticket, TicketEvent
from ticketing.orm import Base

# Every POST route of the console, with the fields each one reads.
CONSOLE_FORMS = {
    "/console/access-requests/<int:request_id>/approve": {"account", "contact", "admin", "billing"},
    "/console/access-requests/<int:request_id>/reject": {"reason"},
    "/console/billing/invoices/<number>/issue": set(),
    "/console/billing/invoices/<number>/void": set(),
    "/console/billing/run": {"month", "draft"},
    "/console/payments/<int:number>/done": set(),
    "/console/board/take-next": {"technician"},
    "/console/calendar/closures": {"day", "name"},
    "/console/calendar/edits/remove": {"day"},
    "/console/calendar/open": {"day"},
    "/console/calendar/rules/library": {"name", "choice"},
    "/console/calendar/rules/recurring": {"name", "on", "after", "days"},
    "/console/calendar/rules/remove": {"name"},
    "/console/clients": {"name", "account", "msa", "emergency"},
    "/console/clients/<int:client_id>/contacts": {"name", "phone", "email", "representative"},
    "/console/oncall/overrides": {"technician", "role", "start", "end"},
    "/console/oncall/overrides/<int:override_id>/delete": set(),
    "/console/people/<kind>/<int:person_id>/edit": {"name", "phone", "email", "msa"},
    "/console/people/<kind>/<int:person_id>/deactivate": set(),
    "/console/people/<kind>/<int:person_id>/reactivate": set(),
    "/console/people/<kind>/<int:person_id>/availability": {"availability"},
    "/console/oncall/policy": {"steps", "repeat", "pause"},
    "/console/requests/<int:number>/schedule": {"technician", "start"},
    "/console/tickets/<int:number>/acknowledge": {"technician"},
    "/console/tickets/<int:number>/assign": {"technician"},
    "/console/tickets/<int:number>/follow-up": set(),
    "/console/tickets/<int:number>/note": {"note"},
    "/console/tickets/<int:number>/reclassify": {"technician", "reason"},
    "/console/tickets/<int:number>/resolve": {"technician"},
    "/console/tickets/<int:number>/time": {"technician", "minutes", "started_at", "note"},
    "/console/users/<int:user_id>/second-factor/reset": set(),
    "/console/account/recovery-codes": set(),
}
DANA = "Dana Whitfield"
TIME = {"technician": DANA, "minutes": "30", "started_at": "2026-12-05T23:10"}
OVERRIDE = {"technician": DANA, "role": "primary", "start": "2026-12-06T08:00"}
# (path, field, the field's limit, the rest of a valid form)
LIMITED_FIELDS = [
    ("/console/tickets/{emergency}/note", "note", 2000, {}),
    ("/console/tickets/{emergency}/reclassify", "reason", 300, {"technician": DANA}),
    ("/console/tickets/{emergency}/time", "note", 500, TIME),
    ("/console/tickets/{emergency}/time", "minutes", 4, {**TIME, "minutes": None}),
    ("/console/tickets/{emergency}/time", "started_at", 16, {**TIME, "started_at": None}),
    ("/console/tickets/{emergency}/assign", "technician", 120, {}),
    ("/console/tickets/{emergency}/acknowledge", "technician", 120, {}),
    ("/console/tickets/{emergency}/resolve", "technician", 120, {}),
    ("/console/clients", "name", 200, {"account": "4242"}),
    ("/console/clients", "account", 12, {"name": "Pinnacle Dental"}),
    ("/console/clients/{bakery}/contacts", "name", 200, {"phone": "+13365550188"}),
    ("/console/clients/{bakery}/contacts", "email", 254, {"name": "Al", "phone": "3365550188"}),
    ("/console/clients/{bakery}/contacts", "phone", 40, {"name": "Al"}),
    ("/console/access-requests/{access}/reject", "reason", 500, {}),
    ("/console/access-requests/{access}/approve", "account", 12, {}),
    ("/console/calendar/closures", "name", 120, {"day": "2026-12-28"}),
    ("/console/calendar/closures", "day", 10, {"name": "Office move"}),
    ("/console/calendar/open", "day", 10, {}),
    ("/console/calendar/edits/remove", "day", 10, {}),
    ("/console/calendar/rules/recurring", "name", 120, {"on": "Dec 23"}),
    ("/console/calendar/rules/library", "name", 120, {"choice": "work"}),
    ("/console/oncall/overrides", "end", 16, OVERRIDE),
    ("/console/oncall/overrides", "role", 20, {**OVERRIDE, "end": "2026-12-06T20:00"}),
    ("/console/oncall/policy", "pause", 20, {"steps": "0s primary sms", "repeat": "2"}),
    ("/console/oncall/policy", "repeat", 2, {"steps": "0s primary sms", "pause": "5m"}),
    ("/console/oncall/policy", "steps", 200, {"repeat": "2", "pause": "5m"}),
    ("/console/billing/run", "month", 7, {}),
    ("/console/people/technician/{dana}/edit", "name", 120, {"phone": "+13365550101"}),
    ("/console/people/technician/{dana}/edit", "email", 254, {}),
    ("/console/people/technician/{dana}/edit", "phone", 40, {}),
    ("/console/people/contact/{jane}/edit", "name", 200, {}),
    ("/console/people/client/{bakery}/edit", "name", 200, {"msa": "on"}),
    # Only "available" or "away": anything longer is no choice at all.
    ("/console/people/technician/{dana}/availability", "availability", 9, {}),
]
# Refused board forms go back to the board (303) and say why there.
BOARD_FIELDS = [
    ("/console/board/take-next", "technician", 120, {}),
    ("/console/requests/{professional}/schedule", "technician", 120, {"start": "2026-12-08T09:00"}),
    ("/console/requests/{professional}/schedule", "start", 16, {"technician": DANA}),
]


def _ids(cases: list[tuple[Any, ...]]) -> list[str]:
    return [f"{path.split('/')[-1]}-{field}" for path, field, *_ in cases]


def snapshot(session: Session) -> str:
    """A digest of every row of every table (to prove that a refusal changed nothing)."""
    session.expire_all()
    digest = hashlib.sha256()
    for table in Base.metadata.sorted_tables:
        rows = session.execute(text(f"SELECT * FROM {table.name}")).all()
        digest.update(repr(sorted(map(repr, rows))).encode())
    return digest.hexdigest()


@pytest.fixture
def world(client, session: Session, directory: dict[str, Any], phone, clock) -> dict[str, Any]:
    """An unacknowledged emergency, a professional request to schedule, an access request
    waiting; the test client logged in as staff."""
    bakery = directory["bakery"]
    alice = make_user(
        session, "alice@bakery.example", client=bakery, role="client_admin", name="Alice Baker"
    )
    paged = emergency(phone, session, words="The point of sale is down")
    soon = clock() + timedelta(days=3)
    professional = request_ticket(
        session,
        bakery,
        alice,
        "professional_service",
        "Upgrade the POS server",
        clock(),
        windows=[(soon, soon + timedelta(hours=2))],
    )
    access = submit_access_request(
        session,
        name="Nina Newcomer",
        company="Blue Ridge Bakery",
        email="nina@bakery.example",
        phone="",
        message="",
        now=clock(),
        firm=Firm(name="Accelerando", base_url="https://intake.example.com"),
    )
    session.commit()
    as_staff(client, session)
    return {
        "emergency": paged.number,
        "professional": professional.number,
        "bakery": bakery.id,
        "access": access.id if access else 0,
        "dana": directory["dana"].id,
        "jane": directory["jane"].id,
    }


def _send(client, world, path: str, field: str, value: str, rest: dict) -> TestResponse:
    data = {k: v for k, v in rest.items() if v is not None}
    return post(client, path.format(**world), {**data, field: value})


def test_every_console_form_is_drilled(app: Flask) -> None:
    posted = {
        rule.rule
        for rule in app.url_map.iter_rules()
        if "POST" in (rule.methods or set()) and rule.rule.startswith("/console")
    }
    assert posted == set(CONSOLE_FORMS), "a new console form needs its bad-input drill here"


@pytest.mark.parametrize("path,field,limit,rest", LIMITED_FIELDS, ids=_ids(LIMITED_FIELDS))
def test_overlong_field_is_refused_and_changes_nothing(
    client, session, world, path, field, limit, rest
):
    for value in overlong(limit):
        before = snapshot(session)
        response = _send(client, world, path, field, value, rest)
        html = html_of(response, 400, 404, 413)
        assert error_text(html).strip(), f"{field}: refused without saying why"
        assert snapshot(session) == before, f"{field}: a refused form changed the data"


@pytest.mark.parametrize("path,field,limit,rest", BOARD_FIELDS, ids=_ids(BOARD_FIELDS))
def test_overlong_board_field_is_refused_with_a_message(
    client, session, world, path, field, limit, rest
):
    # The last: under the request cap, far over what a cookie holds.
    for value in [*overlong(limit), noise(300_000)]:
        before = snapshot(session)
        response = _send(client, world, path, field, value, rest)
        assert response.status_code in (303, 413), response.status_code
        if response.status_code == 303:
            # The reason travels in the session cookie: it must still fit in one.
            cookie = response.headers.get("Set-Cookie", "")
            assert len(cookie) < 4000, "the refusal's flash overflows the session cookie"
            board = html_of(client.get("/console/"))
            assert "flash error" in board
            assert_no_raw_markup(board)
        assert snapshot(session) == before


@pytest.mark.parametrize(
    "value", ["²", "9" * 5000, "١٢", "1e3", "-5", "0x1f", " 30 ", SCRIPT, "30\u200b"]
)
def test_odd_minutes_are_refused_or_read_as_digits(client, session, world, value) -> None:
    before = snapshot(session)
    response = post(
        client, f"/console/tickets/{world['emergency']}/time", {**TIME, "minutes": value}
    )
    assert response.status_code in (303, 400), response.status_code
    if response.status_code == 400:
        assert "minutes must be a whole number" in error_text(response.text).lower()
        assert_no_raw_markup(response.text)
        assert snapshot(session) == before
    else:  # plain decimal digits (any script's) are read as the number they are
        session.expire_all()
        assert session.scalars(select(TimeEntry.minutes)).one() == int(value.strip())


@pytest.mark.parametrize(
    "path,field,rest",
    [
        ("/console/tickets/{emergency}/note", "note", {}),
        ("/console/tickets/{emergency}/reclassify", "reason", {"technician": DANA}),
        ("/console/tickets/{emergency}/time", "note", TIME),
    ],
    ids=["note", "reclassify-reason", "time-note"],
)
def test_hostile_ticket_text_is_saved_as_typed(client, session, world, path, field, rest):
    response = _send(client, world, path, field, HOSTILE, rest)
    assert response.status_code == 303, response.text[:2000]
    session.expire_all()
    messages = session.scalars(select(TicketEvent.message)).all()
    assert any(HOSTILE in m for m in messages), "the text was not kept as typed"
    html = html_of(client.get(response.location))
    assert_shown_escaped(html)


@pytest.mark.parametrize(
    "field,rest",
    [("note", {}), ("reason", {"technician": "Nobody"})],
    ids=["note", "reclassify"],
)
def test_refused_action_shows_the_typed_text_escaped(client, session, world, field, rest) -> None:
    number = world["emergency"]
    action = "note" if field == "note" else "reclassify"
    value = HOSTILE + ("x" * 2000 if field == "note" else "")
    before = snapshot(session)
    response = post(client, f"/console/tickets/{number}/{action}", {**rest, field: value})
    html = html_of(response, 400)
    assert_shown_escaped(html, value)  # kept in its <textarea>, which it cannot close
    assert snapshot(session) == before


@pytest.mark.parametrize(
    "path,field,rest",
    [
        ("/console/tickets/{emergency}/acknowledge", "technician", {}),
        ("/console/tickets/{emergency}/assign", "technician", {}),
        ("/console/tickets/{emergency}/time", "started_at", TIME),
        ("/console/oncall/overrides", "technician", {**OVERRIDE, "end": "2026-12-06T20:00"}),
        ("/console/oncall/overrides", "start", {**OVERRIDE, "end": "2026-12-06T20:00"}),
        ("/console/oncall/policy", "steps", {"repeat": "2", "pause": "5m"}),
        ("/console/oncall/policy", "pause", {"steps": "0s primary sms", "repeat": "2"}),
        ("/console/oncall/policy", "repeat", {"steps": "0s primary sms", "pause": "5m"}),
        ("/console/calendar/closures", "day", {"name": "Office move"}),
        ("/console/clients", "account", {"name": "Pinnacle Dental"}),
        ("/console/clients/{bakery}/contacts", "phone", {"name": "Al"}),
        ("/console/access-requests/{access}/approve", "account", {}),
        ("/console/billing/run", "month", {}),
        ("/console/people/technician/{dana}/availability", "availability", {}),
    ],
)
@pytest.mark.parametrize("value", [SCRIPT, IMG, SQL, "5m " + SCRIPT + " sms"])
def test_hostile_value_in_a_checked_field_is_refused_escaped(
    client, session, world, path, field, rest, value
):
    before = snapshot(session)
    response = _send(client, world, path, field, value, rest)
    html = html_of(response, 400, 404)
    assert error_text(html).strip(), "refused without saying why"
    assert_no_raw_markup(html)
    assert snapshot(session) == before


@pytest.mark.parametrize(
    "path,field,value,rest",
    [
        ("/console/clients", "name", SHORT_HOSTILE, {"account": "4242"}),
        ("/console/clients", "name", f"{RTL} {EMOJI}", {"account": "4243"}),
        ("/console/clients/{bakery}/contacts", "name", SHORT_HOSTILE, {"phone": "3365550188"}),
        ("/console/clients/{bakery}/contacts", "email", IMG, {"name": "Al", "phone": "3365550189"}),
        ("/console/calendar/closures", "name", SHORT_HOSTILE, {"day": "2026-12-28"}),
        ("/console/access-requests/{access}/reject", "reason", HOSTILE, {}),
    ],
    ids=["client", "client-rtl-emoji", "contact", "contact-email", "closure", "reject"],
)
def test_hostile_directory_text_is_saved_as_typed_and_shown_escaped(
    client, session, world, path, field, value, rest
) -> None:
    response = _send(client, world, path, field, value, rest)
    assert response.status_code in (302, 303), response.text[:2000]
    html = html_of(client.get(response.location))
    if "reject" in path:  # the reason goes by email only: the delivery log shows it
        session.expire_all()
        assert session.scalars(select(AccessRequest)).one().status == "rejected"
        email = session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "email"))
        assert any(HOSTILE in m.body for m in email)
        html = html_of(client.get("/console/delivery"))
        assert_no_raw_markup(html)
        return
    assert_shown_escaped(html, value)


def test_hostile_client_name_is_escaped_where_staff_see_it(client, session, world) -> None:
    assert (
        post(client, "/console/clients", {"name": SHORT_HOSTILE, "account": "4242"}).status_code
        == 302
    )
    created = session.scalars(select(Client).where(Client.account_number == "4242")).one()
    assert created.name == SHORT_HOSTILE
    for path in ("/console/clients", f"/console/clients/{created.id}", "/console/tickets"):
        assert_shown_escaped(html_of(client.get(path)), SHORT_HOSTILE)


def test_contact_email_with_nul_or_overlong_is_refused(client, session, world) -> None:
    before = snapshot(session)
    for email in (NUL + "@x.example", "a@" + "b" * 300 + ".example"):
        response = post(
            client,
            f"/console/clients/{world['bakery']}/contacts",
            {"name": "Al", "phone": "3365550188", "email": email},
        )
        assert 400 <= response.status_code < 500
    assert snapshot(session) == before
    assert session.scalars(select(Contact).where(Contact.name == "Al")).first() is None


@pytest.mark.parametrize("number", [SCRIPT, "B-1%27%20OR%201=1--", "x" * 5000, "%25", "²"])
@pytest.mark.parametrize("action", ["issue", "void"])
def test_hostile_invoice_number_in_the_address_is_not_found(client, session, world, number, action):
    before = snapshot(session)
    response = post(client, f"/console/billing/invoices/{number}/{action}")
    html = html_of(response, 404)
    assert_no_raw_markup(html)
    assert snapshot(session) == before


def test_policy_with_thousands_of_steps_is_refused(client, session, world) -> None:
    before = snapshot(session)
    steps = "\n".join(["0s primary sms"] * 5000)
    response = post(
        client, "/console/oncall/policy", {"steps": steps, "repeat": "2", "pause": "5m"}
    )
    html = html_of(response, 400, 413)
    assert error_text(html).strip()
    assert snapshot(session) == before


@pytest.mark.parametrize("value", [NUL, "ok" + NUL])
@pytest.mark.parametrize(
    "path,field,rest",
    [
        ("/console/tickets/{emergency}/note", "note", {}),
        ("/console/clients", "name", {"account": "4242"}),
        ("/console/calendar/closures", "name", {"day": "2026-12-28"}),
        ("/console/access-requests/{access}/reject", "reason", {}),
        ("/console/board/take-next", "technician", {}),
    ],
)
def test_nul_is_refused_clearly(client, session, world, path, field, rest, value) -> None:
    before = snapshot(session)
    response = _send(client, world, path, field, value, rest)
    assert response.status_code == 400
    assert "NUL" in error_text(response.text)
    assert snapshot(session) == before


@pytest.mark.parametrize(
    "path,value",
    [
        ("/console/people/technician/{dana}/availability", "busy"),  # the help desk's to set
        ("/console/people/technician/{dana}/availability", ""),
        ("/console/people/technician/{dana}/availability", "AVAILABLE" + "\u200b"),
        ("/console/people/contact/{jane}/availability", "available"),
        ("/console/people/client/{bakery}/availability", "away"),
        ("/console/people/technician/999999/availability", "available"),
        ("/console/people/" + SCRIPT + "/{dana}/availability", "available"),
    ],
    ids=["busy", "empty", "zero-width", "contact", "client", "unknown", "hostile-kind"],
)
def test_availability_only_for_a_technician_and_only_available_or_away(
    client, session, world, path, value
) -> None:
    before = snapshot(session)
    response = _send(client, world, path, "availability", value, {})
    html = html_of(response, 400, 404)
    if response.status_code == 400:
        assert "say available or away" in error_text(html)
    assert_no_raw_markup(html)
    assert snapshot(session) == before


class TestPhoneSimulator:
    """The sandbox's phone simulator forms (demo mode only)."""

    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.with_overrides(sandbox=True)

    @pytest.fixture
    def app(self, app: Flask) -> Flask:
        app.extensions["sandbox"].deliver_callbacks = False
        return app

    @pytest.mark.parametrize(
        "field,value",
        [
            ("caller", SCRIPT),
            ("caller", IMG),
            ("caller", "3" * 10_000),
            ("at", SCRIPT),
            ("at", "2026-12-24T21:30" * 1000),
            ("caller", "+13365550123" + NUL),
        ],
    )
    def test_bad_call_start_is_refused_escaped(self, client, session, directory, field, value):
        as_staff(client, session)
        before = snapshot(session)
        data = {"caller": "+13365550123", "at": "", field: value}
        response = post(client, "/console/phone", data)
        html = html_of(response, 400)
        assert error_text(html).strip()
        assert_no_raw_markup(html)
        assert snapshot(session) == before

    def test_hostile_speech_and_reply_are_kept_and_shown_escaped(
        self, client, session, directory
    ) -> None:
        as_staff(client, session)
        started = post(client, "/console/phone", {"caller": "+13365550123", "at": ""})
        assert started.status_code == 302
        call = started.location
        said = post(client, f"{call}/answer", {"action": "say", "speech": HOSTILE})
        assert said.status_code == 302
        assert_shown_escaped(html_of(client.get(call)))
        session.expire_all()
        ticket = session.scalars(select(Ticket).order_by(Ticket.id.desc())).first()
        assert ticket is not None and HOSTILE in (ticket.description or "")
        dana = str(directory["dana"].id)
        replied = post(client, f"{call}/reply", {"technician": dana, "body": HOSTILE})
        assert replied.status_code == 302
        assert_shown_escaped(html_of(client.get(call)))

    def test_hostile_answers_to_an_unknown_call_are_404(self, client, session, directory) -> None:
        as_staff(client, session)
        for path in (f"/console/phone/{SCRIPT}/answer", "/console/phone/x/reply"):
            response = post(client, path, {"action": "say", "speech": HOSTILE, "body": SCRIPT})
            assert response.status_code in (400, 404)
            assert_no_raw_markup(response.text)


def test_phone_simulator_is_refused_outside_the_sandbox(client, session, world) -> None:
    response = post(client, "/console/phone", {"caller": SCRIPT, "at": IMG})
    html = html_of(response, 404)  # only the sandbox mounts the simulator
    assert_no_raw_markup(html)


@pytest.mark.parametrize("value", ["9999-12-31T23:59", "2026-02-30T10:00", "99999-01-01T00:00"])
@pytest.mark.parametrize(
    "path,field,rest",
    [
        ("/console/tickets/{emergency}/time", "started_at", TIME),
        ("/console/oncall/overrides", "start", {**OVERRIDE, "end": "2026-12-06T20:00"}),
        ("/console/oncall/overrides", "end", OVERRIDE),
    ],
    ids=["time-started_at", "override-start", "override-end"],
)
def test_impossible_date_is_refused_clearly(client, session, world, path, field, rest, value):
    before = snapshot(session)
    response = _send(client, world, path, field, value, rest)
    html = html_of(response, 400)
    assert error_text(html).strip()
    assert snapshot(session) == before


@pytest.mark.parametrize("value", ["9999-12-31T23:59", "2026-02-30T10:00"])
def test_impossible_schedule_start_is_refused_on_the_board(client, session, world, value):
    before = snapshot(session)
    path = f"/console/requests/{world['professional']}/schedule"
    response = post(client, path, {"technician": DANA, "start": value})
    assert response.status_code == 303
    assert "was not scheduled" in html_of(client.get("/console/"))
    assert snapshot(session) == before
