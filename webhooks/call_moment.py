"""The moment a call is classified at: now, or the one a drill or a sandbox call pretends."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ivr.calendar import local_moment
from webhooks import drill_marker, params


def moment_of_call(calendar: Any, settings: params.WebhookSettings, now: datetime) -> datetime:
    """`now`, or the moment a verified drill (or, in the sandbox only, a simulated call)
    pretends to be made at."""
    drill = drill_marker.verified()
    if drill is not None:
        return local_moment(calendar, drill.at)
    simulated = params.form("SimulatedAt", 40) if settings.sandbox else ""
    if simulated:
        try:
            moment = datetime.strptime(simulated, "%Y-%m-%d %H:%M")
        except ValueError:
            return now
        # Year 9999 would overflow on the way to UTC; a simulation needs no other century.
        if 2000 <= moment.year <= 2099:
            return local_moment(calendar, moment)
    return now
