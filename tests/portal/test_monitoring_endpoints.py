"""/healthz says whether pages can go out, with each check's age; /metrics speaks Prometheus
to its bearer or to loopback clients only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.exc import OperationalError

from tests.support.heartbeats import scheduler_beat
from tests.support.outbox import new_outbox, new_ticket
from tests.support.tickets import help_desk_caller
from ticketing.paging.escalation import start_escalation

TOKEN = "scrape-token-0123456789"


def test_healthy_with_a_fresh_heartbeat(client, session, clock):
    scheduler_beat(session, clock() - timedelta(seconds=3))

    answer = client.get("/healthz")

    assert answer.status_code == 200
    body = answer.get_json()
    assert body["status"] == "ok"
    assert body["checks"]["scheduler"] == {"ok": True, "age_seconds": 3.0}
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["pages"] == {"ok": True, "age_seconds": None}


def test_a_scheduler_that_never_beat_is_degraded(client):
    answer = client.get("/healthz")

    assert answer.status_code == 503
    body = answer.get_json()
    assert body["status"] == "degraded"
    assert body["checks"]["scheduler"]["ok"] is False
    assert body["checks"]["scheduler"]["age_seconds"] is None


def test_a_heartbeat_older_than_a_minute_is_degraded(client, session, clock):
    scheduler_beat(session, clock() - timedelta(seconds=61))

    answer = client.get("/healthz")

    assert answer.status_code == 503
    assert answer.get_json()["checks"]["scheduler"]["age_seconds"] == 61.0


def test_a_page_due_for_more_than_two_minutes_is_degraded(client, session, clock):
    scheduler_beat(session, clock())
    ticket = new_ticket(session)
    new_outbox(session, ticket_id=ticket.id, due=clock() - timedelta(seconds=121))

    answer = client.get("/healthz")

    assert answer.status_code == 503
    pages = answer.get_json()["checks"]["pages"]
    assert pages["ok"] is False
    assert pages["age_seconds"] == 121.0


def test_a_page_due_for_a_minute_is_fine(client, session, clock):
    scheduler_beat(session, clock())
    ticket = new_ticket(session)
    new_outbox(session, ticket_id=ticket.id, due=clock() - timedelta(seconds=60))

    answer = client.get("/healthz")

    assert answer.status_code == 200
    assert answer.get_json()["checks"]["pages"] == {"ok": True, "age_seconds": 60.0}


def test_an_unreachable_database_is_degraded(client, monkeypatch):
    def unreachable(*_args, **_kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr("sqlalchemy.orm.Session.execute", unreachable)

    answer = client.get("/healthz")

    assert answer.status_code == 503
    database = answer.get_json()["checks"]["database"]
    assert database["ok"] is False
    assert "unreachable" in database["detail"]


def _families(text: str) -> dict[str, object]:
    return {family.name: family for family in text_string_to_metric_families(text)}


def test_metrics_parse_and_name_every_figure(client, session, clock):
    scheduler_beat(session, clock() - timedelta(seconds=2))
    ticket = new_ticket(session)
    new_outbox(session, ticket_id=ticket.id, due=clock() - timedelta(seconds=30))
    new_outbox(session, ticket_id=ticket.id, due=clock(), status="sent", sent_at=clock())

    answer = client.get("/metrics")

    assert answer.status_code == 200
    assert answer.content_type.startswith("text/plain")
    families = _families(answer.get_data(as_text=True))
    for name in (
        "intake_pages",
        "intake_oldest_due_page_age_seconds",
        "intake_active_escalations",
        "intake_acknowledgement_seconds",
        "intake_scheduler_heartbeat_age_seconds",
        "intake_helpdesk_queue_length",
        "intake_webhook_seconds",
    ):
        assert name in families, name
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in families.values()
        for s in family.samples
    }
    assert samples[("intake_pages_total", (("channel", "sms"), ("outcome", "sent")))] == 1
    assert samples[("intake_oldest_due_page_age_seconds", ())] == 30
    assert samples[("intake_scheduler_heartbeat_age_seconds", ())] == 2


def test_webhook_latency_is_measured_by_route(client, twilio):
    twilio("/twilio/voice", {"CallSid": "CA-metrics-1", "From": "+19195550100"})

    families = _families(client.get("/metrics").get_data(as_text=True))

    routes = {s.labels.get("route") for s in families["intake_webhook_seconds"].samples}
    assert "/twilio/voice" in routes


def test_metrics_are_refused_to_a_remote_client_without_a_token(client):
    answer = client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"})

    assert answer.status_code == 403


@pytest.fixture
def tokened(app):
    app.config["SETTINGS"] = app.config["SETTINGS"].with_overrides(metrics_token=TOKEN)
    return app.test_client()


@pytest.mark.parametrize(
    ("authorization", "status"),
    [(f"Bearer {TOKEN}", 200), ("Bearer wrong", 403), ("", 403), (f"Basic {TOKEN}", 403)],
    ids=["right", "wrong", "none", "not-bearer"],
)
def test_with_a_token_only_its_bearer_may_scrape(tokened, authorization, status):
    headers = {"Authorization": authorization} if authorization else {}

    answer = tokened.get("/metrics", headers=headers, environ_base={"REMOTE_ADDR": "203.0.113.9"})

    assert answer.status_code == status


def test_with_a_token_loopback_needs_it_too(tokened):
    assert tokened.get("/metrics").status_code == 403


def test_drills_are_left_out_of_the_paging_and_help_desk_figures(client, session, clock, directory):
    for n, drill in enumerate((False, True, True)):
        ticket = new_ticket(session)
        ticket.drill = drill
        start_escalation(session, ticket, now=clock())
        new_outbox(session, ticket_id=ticket.id, due=clock(), status="sent", sent_at=clock())
        caller = help_desk_caller(
            session, directory["bakery"].id, "+13365550123", f"CA{n:032d}", clock()
        )
        caller.ticket.drill = drill
    session.commit()

    samples = {
        s.name: s.value
        for family in _families(client.get("/metrics").get_data(as_text=True)).values()
        for s in family.samples
        if not s.labels or s.labels == {"channel": "sms", "outcome": "sent"}
    }

    assert samples["intake_pages_total"] == 1
    assert samples["intake_active_escalations"] == 1
    assert samples["intake_helpdesk_queue_length"] == 1
