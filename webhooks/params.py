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
    """A posted field, cut to `limit` characters (Twilio's fields are short; attackers' not)."""
    return request.form.get(name, "")[:limit]


def digits() -> str:
    """The keys pressed, keeping only 0-9, * and #."""
    return "".join(ch for ch in form("Digits", 40) if ch.isdigit() or ch in "*#")
