"""SQL and LIKE metacharacters in every search and filter box: each answers 200
with exactly the tickets whose text holds the typed characters literally, and a client's
search never reaches another client's tickets."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.support.abuse import SCRIPT, assert_no_raw_markup
from tests.support.logins import as_client_user, as_staff
from tests.support.pages import html_of
from ticketing.models import Ticket

# Descriptions that hold the metacharacters literally (key → description).
BAKERY = {
    "percent": "Disk is 100% full",
    "underscore": "Share name is back_office",
    "quote": "The printer's tray is stuck",
    "dquote": 'Screen says "no signal"',
    "backslash": r"Map drive \\srv\share fails",
    "sqli": "Password field shows ' OR 1=1 -- in red",
    "unicode": "Café menu board shows Ñandú and 🔥",
    "plain": "Router lights blinking",
    "many": '50% off sale_sign: it\'s "broken" \\ again',
}
# The other company: a search in the bakery's portal must never find these.
DINER = {
    "diner-percent": "Fryer at 100% duty",
    "diner-sqli": "Diner ' OR 1=1 -- note",
    "diner-plain": "Diner router lights blinking",
}
# What each search finds among the bakery's tickets (the console also finds the diner's).
SEARCHES = [
    ("%", {"percent", "many"}, {"diner-percent"}),
    ("_", {"underscore", "many"}, set()),
    ("'", {"quote", "sqli", "many"}, {"diner-sqli"}),
    ('"', {"dquote", "many"}, set()),
    ("\\", {"backslash", "many"}, set()),
    ("' OR 1=1 --", {"sqli"}, {"diner-sqli"}),
    ("%' --", set(), set()),
    ("' OR '1'='1", set(), set()),
    ("100%", {"percent"}, {"diner-percent"}),
    ("0%", {"percent", "many"}, {"diner-percent"}),
    ("%%", set(), set()),
    ("100_", set(), set()),
    ("k_o", {"underscore"}, set()),
    ("\\\\srv", {"backslash"}, set()),
    ("\\%", set(), set()),
    ("[a-z]*", set(), set()),
    ("Café", {"unicode"}, set()),
    ("🔥", {"unicode"}, set()),
    ("router lights", {"plain"}, {"diner-plain"}),
    ("ROUTER", {"plain"}, {"diner-plain"}),
    ("a" * 10_000, set(), set()),
    (SCRIPT, set(), set()),
    ("²", set(), set()),
    ("#²", set(), set()),
]


@pytest.fixture
def tickets(session: Session, directory: dict[str, Any], clock) -> dict[str, Ticket]:
    """The bakery's and the diner's tickets with metacharacters in their words."""
    found = {}
    for offset, (key, words) in enumerate([*BAKERY.items(), *DINER.items()]):
        company = directory["diner" if key.startswith("diner") else "bakery"]
        ticket = Ticket(
            service_class="help_desk",
            client_id=company.id,
            source="staff",
            description=words,
            opened_at=clock() - timedelta(minutes=offset),
        )
        session.add(ticket)
        found[key] = ticket
    session.commit()
    return found


def _numbers(html: str, prefix: str) -> set[int]:
    return {int(n) for n in re.findall(rf'href="{prefix}/(\d+)"', html)}


def _expect(tickets: dict[str, Ticket], keys: set[str]) -> set[int]:
    return {tickets[key].number for key in keys}


def _search(browser: FlaskClient, path: str, **args: str) -> str:
    html = html_of(browser.get(f"{path}?{urlencode(args)}"))
    assert_no_raw_markup(html)
    return html


@pytest.mark.parametrize(
    "q,mine,theirs", SEARCHES, ids=[f"{i}-{s[0][:12]!r}" for i, s in enumerate(SEARCHES)]
)
def test_portal_search_matches_the_literal_text_of_own_tickets(
    client, session, directory, tickets, q, mine, theirs
) -> None:
    as_client_user(client, session, directory["bakery"])
    html = _search(client, "/portal/tickets", q=q)
    assert _numbers(html, "/portal/tickets") == _expect(tickets, mine)


@pytest.mark.parametrize(
    "q,mine,theirs", SEARCHES, ids=[f"{i}-{s[0][:12]!r}" for i, s in enumerate(SEARCHES)]
)
def test_console_search_matches_the_literal_text_of_every_ticket(
    client, session, directory, tickets, q, mine, theirs
) -> None:
    as_staff(client, session)
    html = _search(client, "/console/tickets", q=q)
    assert _numbers(html, "/console/tickets") == _expect(tickets, mine | theirs)
    diner = str(directory["diner"].id)
    html = _search(client, "/console/tickets", q=q, client=diner)
    assert _numbers(html, "/console/tickets") == _expect(tickets, theirs)


def test_the_diners_search_never_finds_the_bakerys_tickets(
    client, session, directory, tickets
) -> None:
    as_client_user(client, session, directory["diner"])
    for q, _mine, theirs in SEARCHES:
        html = _search(client, "/portal/tickets", q=q)
        assert _numbers(html, "/portal/tickets") == _expect(tickets, theirs), q
    # Asking by number for the bakery's ticket finds nothing either.
    number = str(tickets["percent"].number)
    assert _numbers(_search(client, "/portal/tickets", q=number), "/portal/tickets") == set()
    assert _numbers(_search(client, "/portal/tickets", q="#" + number), "/portal/tickets") == set()


def test_the_typed_search_is_shown_back_escaped(client, session, directory, tickets) -> None:
    as_client_user(client, session, directory["bakery"])
    q = '"><script>alert(1)</script>'
    html = _search(client, "/portal/tickets", q=q)
    assert 'value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in html
    assert "matching “&#34;&gt;&lt;script&gt;" in html


ODD_NUMBERS = ["²", "١٢", "-1", "1e3", "0x10", "9" * 5000, "%", "' OR 1=1 --", " 2 ", "\u00a0"]


@pytest.mark.parametrize("value", ODD_NUMBERS)
def test_odd_page_and_client_filters_answer_200(client, session, directory, tickets, value):
    as_staff(client, session)
    for path, args in (
        ("/console/tickets", {"page": value}),
        ("/console/tickets", {"client": value}),
        ("/console/tickets", {"status": value, "service_class": value}),
        ("/console/delivery", {"page": value}),
        ("/console/delivery", {"channel": value, "status": value, "failed": value}),
    ):
        _search(client, path, **args)
    portal = client.application.test_client()
    as_client_user(portal, session, directory["bakery"])
    for args in ({"page": value}, {"status": value}, {"service_class": value}):
        _search(portal, "/portal/tickets", **args)


def test_a_unicode_digit_in_the_search_is_no_ticket_number(
    client, session, directory, tickets
) -> None:
    as_client_user(client, session, directory["bakery"])
    # "١٠٠١" is 1001 in Arabic-Indic digits: a number, like "1001" (but no other company's).
    number = tickets["percent"].number
    arabic = "".join(chr(0x0660 + int(d)) for d in str(number))
    assert _numbers(_search(client, "/portal/tickets", q=arabic), "/portal/tickets") == {number}


@pytest.mark.parametrize(
    "at",
    [
        SCRIPT,
        "' OR 1=1 --",
        "%",
        "2026-12-24T21:30" * 700,
        "9999-12-31T23:59",
        "0001-01-01T00:00",
        "2026-13-45T99:99",
        "2026-12-24T21:30+05:00",
        "２０２６-１２-２４T２１:３０",
    ],
)
def test_calendar_what_if_answers_or_explains(client, session, directory, at) -> None:
    as_staff(client, session)
    response = client.get("/console/calendar?" + urlencode({"at": at}))
    html = html_of(response, 200, 400)
    assert_no_raw_markup(html)
    if response.status_code == 400:
        assert 'id="form-error"' in html


@pytest.mark.parametrize(
    "month",
    [SCRIPT, "' OR 1=1 --", "%", "2026-03" * 2000, "0000-01", "9999-12", "２０２６-０３", "2026-3"],
)
def test_report_months_answer_or_explain(client, session, directory, month) -> None:
    as_client_user(client, session, directory["bakery"])
    for path in ("/portal/reports", "/portal/reports.csv"):
        response = client.get(path + "?" + urlencode({"from": month, "to": "2026-12"}))
        body = html_of(response, 200, 400)
        assert_no_raw_markup(body)
        if response.status_code == 400:
            assert "month" in body.lower()
