"""Reading a Twilio request: its form fields (bounded), and the app's settings and clock."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app, request


def settings() -> Any:
    """The running app's Settings."""
    return current_app.config["SETTINGS"]


def now() -> datetime:
    """The app's clock (frozen in tests)."""
    return current_app.extensions["clock"]()


def form(name: str, limit: int = 200) -> str:
    """A posted field, cut to `limit` characters (Twilio's fields are short; attackers' not),
    without NUL characters (PostgreSQL cannot store them: the caller's words would be lost)."""
    return request.form.get(name, "").replace("\x00", "")[:limit]


# The largest value an INTEGER column holds (PostgreSQL): ids, durations, sequence numbers.
MAX_INT = 2**31 - 1


def whole(name: str, limit: int = 10) -> int | None:
    """A posted whole number of at most `limit` ASCII digits that fits an INTEGER column, or
    None ("²".isdigit() is true, and int("²") raises)."""
    value = form(name, limit + 1).strip()
    if len(value) > limit or not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if number <= MAX_INT else None


def transcription() -> dict[str, str]:
    """Twilio's transcription callback fields, as store_transcription takes them."""
    return {
        "text": form("TranscriptionText", 4000),
        "status": form("TranscriptionStatus", 20),
    }


def digits() -> str:
    """The keys pressed, keeping only 0-9, * and #."""
    return "".join(ch for ch in form("Digits", 40) if ch.isdigit() or ch in "*#")
