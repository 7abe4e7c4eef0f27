"""Logging for the service's processes: plain text, or one JSON object per line for log
collectors (LOG_FORMAT=json)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

# Ids a log call may pass with `extra=`; a collector indexes on them to follow one call,
# text or ticket across the web and scheduler processes.
IDS = ("ticket_id", "call_sid", "message_sid", "outbox_id", "provider_sid")
TEXT_FORMAT = "%(asctime)s %(name)s: %(message)s"
# Their INFO lines (every job run, migration plugin and request) drown out the pages.
NOISY = ("apscheduler", "alembic", "werkzeug", "twilio")


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, the ids it was given."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in IDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def configure_logging(log_format: str = "text", level: int = logging.INFO) -> None:
    """Send every log line to stderr in `log_format` ("text" or "json")."""
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
    )
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in NOISY:
        logging.getLogger(noisy).setLevel(logging.WARNING)
