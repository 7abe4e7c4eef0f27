"""Ticket events go out through the relay as signed POSTs (Standard Webhooks): a receiver
verifies them with its endpoint's secret, and a failing endpoint is retried with back-off."""

from __future__ import annotations

import json
import random
from datetime import timedelta

import pytest
import requests
import responses
from standardwebhooks import Webhook, WebhookVerificationError

from intake.clock import FrozenClock
from intake.db import Database
from scheduler.relay import RelayReport, relay_due
from tests.support.fake_transport import RecordingMessenger
from tests.support.outbox import new_ticket
from tests.support.rows import fresh
from ticketing.integrations.endpoints import add_endpoint, remove_endpoint
from ticketing.models import OutboxMessage, Technician
from ticketing.paging.responses import acknowledge

HOOK = "https://psa.example.com/hooks/intake"


@pytest.fixture
def owed(session, clock):
    """An endpoint and the acknowledged event owed to it, committed: (secret, row)."""
    endpoint = add_endpoint(session, HOOK, now=clock())
    tech = Technician(name="Dana Whitfield", phone="+13365550123")
    session.add(tech)
    ticket = new_ticket(session)
    acknowledge(session, ticket, tech, now=clock(), via="SMS")
    session.commit()
    row = session.query(OutboxMessage).filter_by(channel="webhook").one()
    return endpoint, row


def tick(database: Database, clock: FrozenClock) -> RelayReport:
    """One relay tick at the clock's moment."""
    return relay_due(
        database.sessionmaker,
        RecordingMessenger(),
        clock(),
        status_callback_url=None,
        rng=random.Random(3),
    )


def test_a_receiver_verifies_the_event_with_its_secret(database, session, api, clock, owed):
    endpoint, row = owed
    api.post(HOOK, status=204)

    assert tick(database, clock) == RelayReport(sent=1)

    request = api.calls[0].request
    headers = dict(request.headers)
    event = Webhook(endpoint.secret).verify(request.body, headers)
    assert event["type"] == "ticket.acknowledged"
    assert headers["webhook-id"] == row.subject
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "QUJD" * 8).verify(request.body, headers)
    assert fresh(session, row).status == "sent"


def test_a_failing_endpoint_is_retried_with_the_same_webhook_id(
    database, session, api, clock, owed
):
    _, row = owed
    api.post(HOOK, status=500)
    api.post(HOOK, body=requests.exceptions.ConnectionError("refused"))
    api.post(HOOK, status=200)

    assert tick(database, clock) == RelayReport(retried=1)
    assert tick(database, clock) == RelayReport()  # backing off
    clock.advance(timedelta(seconds=5))
    assert tick(database, clock) == RelayReport(retried=1)
    clock.advance(timedelta(seconds=10))
    assert tick(database, clock) == RelayReport(sent=1)

    ids = {call.request.headers["webhook-id"] for call in api.calls}
    assert ids == {row.subject}
    bodies = {call.request.body for call in api.calls}
    assert len(bodies) == 1 and json.loads(bodies.pop())["data"]["status"] == "acknowledged"
    row = fresh(session, row)
    assert (row.status, row.attempts, row.provider_sid) == ("sent", 3, row.subject)


def test_gone_stops_retrying_and_a_removed_endpoint_gets_nothing(
    database, session, api, clock, owed
):
    endpoint, row = owed
    api.post(HOOK, status=410)

    assert tick(database, clock) == RelayReport(failed=1)
    assert fresh(session, row).status == "failed"

    remove_endpoint(session, endpoint.id, now=clock())
    row.status, row.attempts = "pending", 0
    session.commit()
    assert tick(database, clock) == RelayReport(failed=1)
    assert len(api.calls) == 1


def test_no_endpoint_means_no_delivery(database, api, clock):
    assert tick(database, clock) == RelayReport()
    assert responses.calls is not None and len(api.calls) == 0
