"""Ticket events owed to webhook endpoints: once per transition and endpoint, in the
transaction of the transition, with the client's words and no staff phone numbers."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from ticketing.errors import DomainError
from ticketing.integrations.endpoints import active_endpoints, add_endpoint, remove_endpoint
from ticketing.models import Client, OutboxMessage, Technician, Ticket
from ticketing.paging.responses import acknowledge, resolve
from ticketing.timeline import add_event

TECH_PHONE = "+13365550123"


@pytest.fixture
def setup(session, clock):
    """An endpoint, a technician and an open emergency of a client."""
    endpoint = add_endpoint(session, "https://psa.example.com/hooks/intake", now=clock())
    tech = Technician(name="Dana Whitfield", phone=TECH_PHONE)
    client = Client(name="Blue Ridge Dental", account_number="4471")
    session.add_all([tech, client])
    session.flush()
    ticket = Ticket(service_class="emergency", classification_reason="weekend", client_id=client.id)
    session.add(ticket)
    session.flush()
    return endpoint, tech, ticket


def webhooks(session) -> list[OutboxMessage]:
    """The webhook rows owed so far, oldest first."""
    stmt = select(OutboxMessage).where(OutboxMessage.channel == "webhook")
    return list(session.scalars(stmt.order_by(OutboxMessage.id)))


def test_acknowledging_owes_each_endpoint_one_event(session, clock, setup):
    endpoint, tech, ticket = setup
    second = add_endpoint(session, "https://chat.example.com/in", now=clock())

    assert acknowledge(session, ticket, tech, now=clock(), via="SMS")
    assert not acknowledge(session, ticket, tech, now=clock(), via="SMS")

    rows = webhooks(session)
    assert [row.to_number for row in rows] == [str(endpoint.id), str(second.id)]
    assert {row.to_address for row in rows} == {endpoint.url, second.url}
    assert len({row.subject for row in rows}) == 1  # one event, one webhook-id
    event = json.loads(rows[0].body)
    assert event["type"] == "ticket.acknowledged"
    data = event["data"]
    assert (data["ticket"], data["class"], data["status"]) == (
        ticket.id,
        "emergency",
        "acknowledged",
    )
    assert data["client"] == {"name": "Blue Ridge Dental", "account": "4471"}
    assert data["acknowledged_at"] == clock().isoformat()
    assert TECH_PHONE not in rows[0].body
    assert rows[0].ticket_id is None  # the relay writes nothing on the timeline for it


def test_resolving_an_open_ticket_is_two_events_in_order(session, clock, setup):
    _, tech, ticket = setup

    resolve(session, ticket, tech, now=clock(), via="SMS")
    resolve(session, ticket, tech, now=clock(), via="SMS")

    types = [json.loads(row.body)["type"] for row in webhooks(session)]
    assert types == ["ticket.acknowledged", "ticket.resolved"]
    assert all(TECH_PHONE not in row.body for row in webhooks(session))


def test_lines_that_are_not_events_owe_nothing(session, clock, setup):
    _, _, ticket = setup
    add_event(session, ticket.id, "note", "Called the office back.", at=clock())

    assert webhooks(session) == []


def test_a_removed_endpoint_is_owed_nothing(session, clock, setup):
    endpoint, tech, ticket = setup
    remove_endpoint(session, endpoint.id, now=clock())

    acknowledge(session, ticket, tech, now=clock(), via="SMS")

    assert webhooks(session) == []
    assert active_endpoints(session) == []


@pytest.mark.parametrize(
    "url", ["ftp://example.com/x", "psa.example.com/hook", "https://" + "a" * 260 + ".com"]
)
def test_an_endpoint_must_be_a_web_address(session, clock, url):
    with pytest.raises(DomainError):
        add_endpoint(session, url, now=clock())


def test_each_endpoint_has_its_own_secret(session, clock):
    first = add_endpoint(session, "https://a.example.com/h", now=clock())
    second = add_endpoint(session, "https://b.example.com/h", now=clock())

    assert first.secret.startswith("whsec_") and second.secret.startswith("whsec_")
    assert first.secret != second.secret
    with pytest.raises(DomainError, match="already"):
        add_endpoint(session, "https://a.example.com/h", now=clock())
