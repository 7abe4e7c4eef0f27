"""The pager watches itself: a scheduler silent for over a minute turns /healthz to 503 and
says why, the next emergency caller is forwarded instead of promised a page, a beat makes
the service healthy again, and /metrics parses and is refused to strangers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support.heartbeats import scheduler_beat
from tests.support.twilio import said, twiml

pytestmark = pytest.mark.scheduler_silent

FORWARD_TO = "+19195550199"


@pytest.fixture
def forwarding(app):
    app.config["SETTINGS"] = app.config["SETTINGS"].with_overrides(
        fallback_forward_number=FORWARD_TO
    )


def test_the_pager_watches_itself(client, phone, session, directory, clock, forwarding) -> None:
    scheduler_beat(session, clock())
    assert client.get("/healthz").status_code == 200

    clock.advance(timedelta(seconds=61))
    health = client.get("/healthz")
    assert health.status_code == 503
    body = health.get_json()
    assert body["status"] == "degraded"
    assert body["checks"]["scheduler"]["ok"] is False
    assert body["checks"]["scheduler"]["age_seconds"] == 61.0
    assert body["checks"]["database"]["ok"] is True

    call = phone("+13365550123")
    call.ring()
    call.record(seconds=30)
    goodbye = call.post("/twilio/voice/callback/confirm", Digits="1")
    assert "being paged" not in said(goodbye)
    assert twiml(goodbye).find("Dial").text == FORWARD_TO

    scheduler_beat(session, clock())
    healthy = client.get("/healthz")
    assert healthy.status_code == 200
    assert healthy.get_json()["status"] == "ok"

    metrics = client.get("/metrics")
    assert metrics.status_code == 200
    names = {f.name for f in text_string_to_metric_families(metrics.get_data(as_text=True))}
    assert {"intake_pages", "intake_scheduler_heartbeat_age_seconds"} <= names

    stranger = client.get("/metrics", environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert stranger.status_code == 403
