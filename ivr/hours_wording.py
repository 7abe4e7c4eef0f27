"""Business hours as people say and write them: "Tuesday to Saturday, 9 AM to 6 PM"."""

from __future__ import annotations

from datetime import time

from ivr.calendar import BusinessHours

DAY_WORDS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _clock(moment: time) -> str:
    if moment == time.max:
        return "midnight"
    if moment == time(12, 0):
        return "noon"
    hour = moment.hour % 12 or 12
    minutes = f":{moment.minute:02d}" if moment.minute else ""
    return f"{hour}{minutes} {'AM' if moment.hour < 12 else 'PM'}"


def _days(first: int, last: int) -> str:
    if first == last:
        return DAY_WORDS[first]
    joiner = " and " if last == first + 1 else " to "
    return DAY_WORDS[first] + joiner + DAY_WORDS[last]


def describe_hours(hours: BusinessHours) -> str:
    """The opening hours in words, consecutive days with the same window run together."""
    runs: list[tuple[int, int, tuple[time, time]]] = []
    for day in sorted(hours.windows):
        window = hours.windows[day]
        if runs and runs[-1][1] == day - 1 and runs[-1][2] == window:
            runs[-1] = (runs[-1][0], day, window)
        else:
            runs.append((day, day, window))
    return "; ".join(
        f"{_days(first, last)}, {_clock(opens)} to {_clock(closes)}"
        for first, last, (opens, closes) in runs
    )
