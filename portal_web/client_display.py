"""What every client-portal template may use: the endpoints that exist (so the menu links
only to pages already built) and display filters for times, hours, money and phones."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import current_app

from ivr.phones import national
from portal_web import access
from portal_web.blueprints import portal


def business_tz() -> ZoneInfo:
    """The zone times are shown and typed in (BUSINESS_TIMEZONE)."""
    return ZoneInfo(current_app.config["SETTINGS"].business_timezone)


def now() -> datetime:
    """The app clock's current moment (UTC)."""
    return current_app.extensions["clock"]()


def today() -> date:
    """Today's date on the business wall clock."""
    return now().astimezone(business_tz()).date()


@portal.app_context_processor
def _portal_globals() -> dict[str, object]:
    # Pages are built by several people: the menu links only to endpoints that exist.
    return {
        "portal_endpoints": frozenset(current_app.view_functions),
        "can_see_billing": access.can_see_billing,
    }


@portal.app_template_filter("local_dt")
def local_dt(moment: datetime | None) -> str:
    """A UTC moment on the business wall clock: "Sat 12/5/2026 11:10 PM EST"."""
    if moment is None:
        return "—"
    local = moment.astimezone(business_tz())
    hour = local.hour % 12 or 12
    half = "AM" if local.hour < 12 else "PM"
    return f"{local:%a} {local.month}/{local.day}/{local.year} {hour}:{local:%M} {half} {local:%Z}"


@portal.app_template_filter("iso_dt")
def iso_dt(moment: datetime | None) -> str:
    """A moment in ISO 8601 for <time datetime>."""
    return moment.isoformat() if moment else ""


@portal.app_template_filter("hours_h")
def hours_h(value: Decimal | None) -> str:
    """Hours to the hundredth: "17.50 h"; "—" when not set."""
    return "—" if value is None else f"{Decimal(value):,.2f} h"


@portal.app_template_filter("usd")
def usd(value: Decimal | None) -> str:
    """Money as "$1,234.50"; "—" when not set."""
    if value is None:
        return "—"
    amount = Decimal(value)
    return f"-${-amount:,.2f}" if amount < 0 else f"${amount:,.2f}"


@portal.app_template_filter("national_phone")
def national_phone(e164: str | None) -> str:
    """A stored E.164 number as people write it: (336) 555-0123."""
    return national(e164) if e164 else "—"


@portal.app_template_filter("class_label")
def class_label(service_class: str | None) -> str:
    """ "help_desk" → "Help desk"."""
    return (service_class or "").replace("_", " ").capitalize()
