"""The console's audit trail: entries newest first with who, where and what changed; the
filters (who, object, id or name, action, where, dates); 50 a page; people's words escaped;
an object's "History" on its page; staff only."""

from __future__ import annotations

from datetime import timedelta

import pytest

from intake.clock import FrozenClock
from tests.support.abuse import SCRIPT
from tests.support.audit import STAFF_ACTOR, trail
from tests.support.forms import post
from tests.support.logins import as_client_user, as_staff
from tests.support.pages import html_of
from tests.support.tickets import add_ticket
from ticketing.audit.models import AuditAction, AuditSource
from ticketing.audit.trail import Actor, Subject, record

AUDIT = "/console/audit"


def _entries(session, clock: FrozenClock, count: int, **kw) -> None:
    """`count` entries about clients, a minute apart, the newest last."""
    actor = kw.pop("actor", STAFF_ACTOR)
    for i in range(count):
        subject = Subject(kw.get("kind", "client"), 100 + i, kw.get("label", f"Client {i}"))
        at = clock() - timedelta(minutes=count - i)
        after = {"name": kw.get("label", f"Client {i}")}
        record(session, actor, AuditAction.CREATED, subject, None, after, at)
    session.commit()


def test_a_console_change_shows_in_the_trail_with_who_and_what(client, session, clock) -> None:
    as_staff(client, session)
    assert (
        post(client, "/console/clients", {"name": "Quarry Cafe", "account": "7001"}).status_code
        == 302
    )

    [entry] = trail(session, "client")
    assert entry.actor == "Sam Okafor <sam@accelerando.example>"
    assert (entry.source, entry.action, entry.at) == ("console", "created", clock())
    html = html_of(client.get(AUDIT))
    assert "Quarry Cafe (account 7001)" in html and "Sam Okafor" in html
    assert 'href="/console/audit"' in html  # the console's menu links it


def test_entries_are_newest_first_and_fifty_a_page(client, session, clock) -> None:
    _entries(session, clock, 60)
    as_staff(client, session)

    first = html_of(client.get(AUDIT))
    assert "60 entries" in first and "Page 1 of 2" in first
    assert first.index("Client 59") < first.index("Client 58")
    assert "Client 9<" not in first
    second = html_of(client.get(AUDIT + "?page=2"))
    assert "Client 9<" in second and "Client 10<" not in second
    assert html_of(client.get(AUDIT + "?page=7")).count("Page 2 of 2") == 1


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("actor=cli%3A", "Dusty Router", "Bakery Oven"),
        ("actor=okafor", "Bakery Oven", "Dusty Router"),
        ("type=technician", "Dusty Router", "Bakery Oven"),
        ("subject=Oven", "Bakery Oven", "Dusty Router"),
        ("subject=%23500", "Dusty Router", "Bakery Oven"),
        ("action=deleted", "Dusty Router", "Bakery Oven"),
        ("source=cli", "Dusty Router", "Bakery Oven"),
        ("from=2026-12-05&to=2026-12-05", "Bakery Oven", "Dusty Router"),
        ("to=2026-12-01", "Dusty Router", "Bakery Oven"),
    ],
)
def test_the_filters(client, session, clock, query, shown, hidden) -> None:
    record(
        session,
        STAFF_ACTOR,
        AuditAction.UPDATED,
        Subject("client", 400, "Bakery Oven"),
        {"name": "Oven"},
        {"name": "Bakery Oven"},
        clock(),
    )
    record(
        session,
        Actor("cli:ops", AuditSource.CLI),
        AuditAction.DELETED,
        Subject("technician", 500, "Dusty Router"),
        {"name": "Dusty Router"},
        None,
        clock() - timedelta(days=10),
    )
    session.commit()
    as_staff(client, session)

    html = html_of(client.get(f"{AUDIT}?{query}"))
    assert shown in html and hidden not in html


def test_nonsense_filters_mean_any(client, session, clock) -> None:
    _entries(session, clock, 2)
    as_staff(client, session)
    odd = "type=nope&action=bogus&source=x&from=yesterday&to=2026-99-99&page=-1"
    response = client.get(f"{AUDIT}?{odd}")
    assert response.status_code == 200 and "2 entries" in html_of(response)


def test_peoples_words_are_escaped(client, session, clock) -> None:
    _entries(session, clock, 1, label=SCRIPT, actor=Actor(SCRIPT, AuditSource.PORTAL))
    as_staff(client, session)

    html = client.get(AUDIT).get_data(as_text=True)
    assert SCRIPT not in html and "&lt;script" in html


def test_a_client_page_shows_its_history(client, session, directory, clock) -> None:
    bakery = directory["bakery"]
    record(
        session,
        STAFF_ACTOR,
        AuditAction.UPDATED,
        Subject("client", bakery.id, "Blue Ridge Bakery (account 1001)"),
        {"has_msa": False},
        {"has_msa": True},
        clock(),
    )
    session.commit()
    as_staff(client, session)

    html = html_of(client.get(f"/console/clients/{bakery.id}"))
    assert "History" in html and "has msa" in html and "Sam Okafor" in html


def test_a_ticket_page_shows_what_staff_changed(client, session, directory, clock) -> None:
    as_staff(client, session)
    number = add_ticket(session, directory["bakery"], "help_desk").id
    session.commit()
    assert (
        post(client, f"/console/tickets/{number}/note", {"note": "Called back."}).status_code == 303
    )

    html = html_of(client.get(f"/console/tickets/{number}"))
    history = html[html.index('id="history"') :]
    assert "Sam Okafor" in history and "note: Called back." in history


@pytest.mark.parametrize("role", ["client_admin", "client_user"])
def test_clients_never_see_the_trail(client, session, directory, clock, role) -> None:
    _entries(session, clock, 3)
    as_client_user(client, session, directory["bakery"], role=role)

    assert client.get(AUDIT).status_code == 404


def test_a_stranger_is_sent_to_log_in(client) -> None:
    response = client.get(AUDIT)
    assert response.status_code == 302 and "/login" in response.location
