"""What the pages read of the running app, typed: its settings, clock and database session,
and the firm's identity and business time zone made from them.

This module is portal_web's one door to the running app: nothing else in the package
reads `current_app.config["SETTINGS"]` or `current_app.extensions` (clock, database,
recordings).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol, cast
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy.orm import Session

from ticketing.accounts.access_limits import AccessLimits
from ticketing.accounts.models import User
from ticketing.audit import capture
from ticketing.audit.models import AuditSource
from ticketing.audit.trail import Actor
from ticketing.calendar.days import CalendarSettings
from ticketing.firm import Firm
from ticketing.recordings import RecordingSource


class PortalSettings(CalendarSettings, Protocol):
    """The settings the pages read (the composition root's Settings has them all)."""

    firm_name: str
    emergency_definition: str
    public_base_url: str
    twilio_voice_number: str
    # The support lines after the main one, answered the same way.
    support_lines: tuple[str, ...]
    # Card payments by Stripe Checkout are offered only when both are set.
    stripe_secret_key: str | None
    stripe_webhook_secret: str | None
    # Public access requests taken per hour, from one address and from everyone.
    access_requests_per_address: int
    access_requests_per_hour: int
    # Bearer token for /metrics; without one, only loopback clients may scrape.
    metrics_token: str | None

    @property
    def firm(self) -> Firm:
        """The firm made from these settings (made once)."""
        ...


def settings() -> PortalSettings:
    """The running app's settings."""
    return cast(PortalSettings, current_app.config["SETTINGS"])


def settings_or_none() -> PortalSettings | None:
    """The running app's settings, or None in an app configured without them."""
    return cast("PortalSettings | None", current_app.config.get("SETTINGS"))


def now() -> datetime:
    """The app clock's current moment, in UTC (frozen in tests)."""
    return cast(datetime, current_app.extensions["clock"]())


def business_tz() -> ZoneInfo:
    """The zone times are shown and typed in (BUSINESS_TIMEZONE)."""
    return ZoneInfo(settings().business_timezone)


def today() -> date:
    """Today's date on the business wall clock."""
    return now().astimezone(business_tz()).date()


def firm() -> Firm:
    """The firm as its clients see it: name, portal address, support lines and hours."""
    return settings().firm


def access_limits() -> AccessLimits:
    """How many public access requests are taken per hour (per address, overall)."""
    found = settings()
    return AccessLimits(
        per_address=found.access_requests_per_address, overall=found.access_requests_per_hour
    )


def metrics_token() -> str | None:
    """The bearer token /metrics asks for (METRICS_TOKEN), or None: loopback only."""
    return settings().metrics_token or None


def db() -> Session:
    """The request's database session (opened on first use, closed after the request)."""
    return cast(Session, current_app.extensions["db"].session)


def recordings() -> RecordingSource:
    """Where callers' recorded messages are fetched from (Twilio, or the sandbox)."""
    return cast(RecordingSource, current_app.extensions["recordings"])


def act_as(user: User, source: AuditSource) -> None:
    """Record the request's changes in the audit trail as `user`'s, dated by the app's clock."""
    capture.act_as(db(), Actor.person(user.name, user.email, user.id, source), now)
