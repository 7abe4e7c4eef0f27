"""The monitoring settings (METRICS_TOKEN, HEARTBEAT_URL, LOG_FORMAT) and LOG_FORMAT=json:
one JSON object per log line, with the ids a log call passes by `extra=`."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from intake.config import ConfigError, load_settings
from intake.logs import JsonFormatter, configure_logging


def _env(tmp_path: Path, **values: str) -> dict[str, str]:
    return {
        "INTAKE_INSTANCE_PATH": str(tmp_path),
        "SECRET_KEY": "k" * 32,
        "TWILIO_AUTH_TOKEN": "a-real-auth-token",
        **values,
    }


def test_the_monitoring_settings_are_read(tmp_path) -> None:
    settings = load_settings(
        _env(
            tmp_path,
            METRICS_TOKEN="scrape-me",
            HEARTBEAT_URL="https://hc-ping.example/uuid",
            LOG_FORMAT="json",
        )
    )

    assert settings.metrics_token == "scrape-me"
    assert settings.heartbeat_url == "https://hc-ping.example/uuid"
    assert settings.log_format == "json"


def test_the_defaults_are_text_logs_no_token_no_ping(tmp_path) -> None:
    settings = load_settings(_env(tmp_path))

    assert (settings.metrics_token, settings.heartbeat_url, settings.log_format) == (
        None,
        None,
        "text",
    )


@pytest.mark.parametrize(
    ("name", "value"), [("LOG_FORMAT", "xml"), ("HEARTBEAT_URL", "hc-ping.example/uuid")]
)
def test_bad_monitoring_settings_stop_the_start(tmp_path, name, value) -> None:
    with pytest.raises(ConfigError, match=name):
        load_settings(_env(tmp_path, **{name: value}))


@pytest.fixture
def root_logging() -> Iterator[logging.Logger]:
    """The root logger, put back as it was (pytest's own capture hangs off it)."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield root
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


def test_json_logs_are_one_object_a_line_with_ids(root_logging, monkeypatch) -> None:
    stream = io.StringIO()
    monkeypatch.setattr("sys.stderr", stream)
    configure_logging("json")

    logging.getLogger("scheduler.relay").warning(
        "outbox %s: lease expired", 7, extra={"outbox_id": 7, "ticket_id": 1042}
    )
    logging.getLogger("webhooks.handling").info("plain")

    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["message"] == "outbox 7: lease expired"
    assert (first["level"], first["logger"]) == ("WARNING", "scheduler.relay")
    assert (first["outbox_id"], first["ticket_id"]) == (7, 1042)
    assert first["time"].endswith("+00:00")
    assert "ticket_id" not in second


def test_text_logs_stay_text(root_logging, monkeypatch) -> None:
    stream = io.StringIO()
    monkeypatch.setattr("sys.stderr", stream)
    configure_logging("text")

    logging.getLogger("scheduler.relay").warning("outbox 7: lease expired")

    assert stream.getvalue().rstrip().endswith("scheduler.relay: outbox 7: lease expired")


def test_an_exception_is_kept_inside_the_json_line() -> None:
    try:
        raise RuntimeError("Twilio is down")
    except RuntimeError:
        record = logging.getLogger("x").makeRecord(
            "x", logging.ERROR, __file__, 1, "send failed", (), sys.exc_info()
        )
    line = json.loads(JsonFormatter().format(record))

    assert "RuntimeError: Twilio is down" in line["exception"]


def test_a_failed_webhook_logs_its_call_sid(twilio, monkeypatch, caplog) -> None:
    def broken(*_args, **_kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr("webhooks.voice.business_calendar", broken)
    monkeypatch.setattr("webhooks.new_call.business_calendar", broken)
    monkeypatch.setattr("webhooks.new_call.kept_calendar", broken)
    with caplog.at_level(logging.ERROR, logger="webhooks.handling"):
        twilio("/twilio/voice", {"CallSid": "CA-json-1", "From": "+19195550100"})

    [record] = [r for r in caplog.records if r.name == "webhooks.handling"]
    assert json.loads(JsonFormatter().format(record))["call_sid"] == "CA-json-1"
