"""The running app as the sandbox sees it: typed settings and the clock (the one place the
sandbox reads the app's config and extensions)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol, cast

from flask import Flask, current_app


class SandboxSettings(Protocol):
    """The settings the sandbox reads (the composition root's Settings has them all)."""

    public_base_url: str
    twilio_account_sid: str
    twilio_auth_token: str
    twilio_voice_number: str
    # The support lines after the main one.
    support_lines: tuple[str, ...]
    twilio_sms_from: str | None
    sandbox: bool


def settings_of(app: Flask) -> SandboxSettings:
    """The settings of `app` (outside a request: mounting, in-process posts)."""
    return cast(SandboxSettings, app.config["SETTINGS"])


def settings() -> SandboxSettings:
    """The current app's settings."""
    return settings_of(cast(Flask, current_app))


def now() -> datetime:
    """The app's clock (frozen in tests), else the wall clock."""
    clock = current_app.extensions.get("clock")
    return clock() if clock is not None else datetime.now(UTC)
