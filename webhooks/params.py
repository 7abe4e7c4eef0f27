"""Reading a Twilio request: its form fields (bounded), and the app's settings and clock.

This module is the webhooks' one door to the running app: nothing else in the package
reads `current_app.config` or `current_app.extensions["clock"]`.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Protocol, cast

from flask import Request, current_app, request
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from ticketing.calendar.days import CalendarSettings
from ticketing.firm import Firm


class WebhookSettings(CalendarSettings, Protocol):
    """The settings the webhooks read (the composition root's Settings has them all)."""

    public_base_url: str
    twilio_voice_number: str
    # The support lines after the main one.
    support_lines: tuple[str, ...]
    firm_name: str
    emergency_definition: str
    fallback_forward_number: str | None
    helpdesk_busy_queue: int
    hold_music_url: str | None
    live_transfer: bool
    live_transfer_seconds: int
    callback_international: bool
    instance_path: Path
    sandbox: bool

    @property
    def auth_tokens(self) -> tuple[str, ...]:
        """Tokens a webhook signature may be made with (primary first)."""
        ...

    @property
    def firm(self) -> Firm:
        """The firm made from these settings (made once)."""
        ...


def this_request() -> Request:
    """The request itself: each attribute read through Flask's `request` proxy is a look-up
    of the request first, and the keys and the signature read a dozen."""
    return cast(Request, request._get_current_object())  # type: ignore[attr-defined]


def session() -> Session:
    """The request's database session (opened on first use, closed after the request)."""
    return cast(Session, current_app.extensions["db"].session)


def bind() -> Engine | Connection:
    """What the request's session is (or would be) bound to, without opening one."""
    return cast("Engine | Connection", current_app.extensions["db"].bind)


def settings() -> WebhookSettings:
    """The running app's settings."""
    return cast(WebhookSettings, current_app.config["SETTINGS"])


def firm() -> Firm:
    """The firm as callers hear it: name, support lines and business hours in words."""
    return settings().firm


def callbacks_abroad() -> bool:
    """Whether the firm lets callers key international callback numbers (default: no)."""
    return settings().callback_international


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
        "recording_sid": form("RecordingSid", 64),
    }


def digits() -> str:
    """The keys pressed, keeping only 0-9, * and #."""
    return "".join(ch for ch in form("Digits", 40) if ch.isdigit() or ch in "*#")
