"""What every template may use, in the portal and the console alike: the endpoints that
exist (so menus link only to pages already built) and display filters for times, hours,
money, phones, service classes and agreement kinds."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal

from flask import Flask, current_app

from ivr.phones import national
from portal_web import access
from portal_web.context import business_tz
from ticketing.billing.models import AgreementKind
from ticketing.models import ServiceClass

AGREEMENT_KINDS = {
    AgreementKind.MSA: "Master Services Agreement",
    AgreementKind.HELP_DESK: "Help Desk",
    AgreementKind.EMERGENCY_SUPPORT: "Emergency Support Services",
    AgreementKind.PREPAID_HOURS: "Pre-paid hours",
}


def _portal_globals() -> dict[str, object]:
    # Pages are built by several people: the menu links only to endpoints that exist.
    return {
        "portal_endpoints": frozenset(current_app.view_functions),
        "can_see_billing": access.can_see_billing,
    }


def local_dt(moment: datetime | None) -> str:
    """A UTC moment on the business wall clock: "Sat 12/5/2026 11:10 PM EST" (the one way
    every page writes a moment)."""
    if moment is None:
        return "—"
    local = moment.astimezone(business_tz())
    return f"{local_day(local)} {clock_time(local.time())} {local:%Z}"


def local_day(day: date | datetime | None) -> str:
    """A date as every page writes one: "Sat 12/5/2026" (a moment: its business-day date)."""
    if day is None:
        return "—"
    if isinstance(day, datetime):
        day = day.astimezone(business_tz()).date()
    return f"{day:%a} {day.month}/{day.day}/{day.year}"


def weekday(day: date) -> str:
    """The day of the week in full: "Monday"."""
    return f"{day:%A}"


def clock_time(at: time) -> str:
    """A time of day as every page writes one: "8:00 AM"."""
    return f"{at.hour % 12 or 12}:{at:%M} {'AM' if at.hour < 12 else 'PM'}"


def month_label(month: date) -> str:
    """A month as the reports write it: "Dec 2026"."""
    return f"{month:%b %Y}"


def iso_dt(moment: datetime | None) -> str:
    """A moment in ISO 8601 for <time datetime>."""
    return moment.isoformat() if moment else ""


def hours_h(value: Decimal | None) -> str:
    """Hours to the hundredth: "17.50 h"; "—" when not set."""
    return "—" if value is None else f"{Decimal(value):,.2f} h"


def usd(value: Decimal | None) -> str:
    """Money as "$1,234.50"; "—" when not set."""
    if value is None:
        return "—"
    amount = Decimal(value)
    return f"-${-amount:,.2f}" if amount < 0 else f"${amount:,.2f}"


def national_phone(e164: str | None) -> str:
    """A stored E.164 number as people write it: (336) 555-0123."""
    return national(e164) if e164 else "—"


def class_label(service_class: str | None) -> str:
    """ "help_desk" → "Help desk"."""
    return ServiceClass.label_of(service_class or "")


def agreement_kind(kind: str) -> str:
    """ "emergency_support" → "Emergency Support Services"."""
    return AGREEMENT_KINDS.get(kind, kind.replace("_", " ").capitalize())


FILTERS: dict[str, Callable[..., str]] = {
    "local_dt": local_dt,
    "local_day": local_day,
    "month_label": month_label,
    "weekday": weekday,
    "clock_time": clock_time,
    "iso_dt": iso_dt,
    "hours_h": hours_h,
    "usd": usd,
    "national_phone": national_phone,
    "class_label": class_label,
    "agreement_kind": agreement_kind,
}


def init_app(app: Flask) -> None:
    """Give every template the menus' globals and the display filters."""
    app.context_processor(_portal_globals)
    for name, function in FILTERS.items():
        app.add_template_filter(function, name)
