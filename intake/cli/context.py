"""The running app as the CLI commands see it: typed settings, the clock, the business
zone and the firm (the one place the commands read the app's config and extensions)."""

from __future__ import annotations

import getpass
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy.orm import Session

from intake.config import Settings
from ticketing.audit import capture
from ticketing.audit.trail import Actor
from ticketing.firm import Firm


def settings() -> Settings:
    """The app's settings."""
    found = current_app.config["SETTINGS"]
    assert isinstance(found, Settings)
    return found


def now() -> datetime:
    """The app's clock (frozen in tests)."""
    return current_app.extensions["clock"]()


def zone() -> ZoneInfo:
    """The business time zone, for reading and showing local times."""
    return ZoneInfo(settings().business_timezone)


def firm() -> Firm:
    """The firm's name, portal address and support line."""
    found = settings()
    return Firm(
        name=found.firm_name,
        base_url=found.public_base_url,
        support_lines=(found.twilio_voice_number,),
    )


def session() -> Session:
    """The app context's database session."""
    return current_app.extensions["db"].session


def os_user() -> str:
    """Who runs the command, as the operating system names them."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name and no passwd entry (some containers)
        return "unknown"


def act_as_command_line(session: Session) -> None:
    """Record the command's changes in the audit trail as "cli:<os user>"'s."""
    capture.act_as(session, Actor.command_line(os_user()), now)
