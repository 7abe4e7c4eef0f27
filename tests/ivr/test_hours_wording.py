"""BUSINESS_HOURS in words, as callers hear them and clients read them."""

from __future__ import annotations

import pytest

from ivr.calendar import parse_business_hours
from ivr.hours_wording import describe_hours


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ("Mon-Fri 08:00-17:00", "Monday to Friday, 8 AM to 5 PM"),
        ("Mon-Fri 07:30-18:00", "Monday to Friday, 7:30 AM to 6 PM"),
        (
            "Mon-Fri 09:00-17:00; Sat 09:00-12:00",
            "Monday to Friday, 9 AM to 5 PM; Saturday, 9 AM to noon",
        ),
        ("Mon-Tue 08:00-16:00", "Monday and Tuesday, 8 AM to 4 PM"),
        ("Sun 00:00-24:00", "Sunday, 12 AM to midnight"),
        (
            "Mon-Wed 08:00-17:00; Thu 08:00-20:00; Fri 08:00-17:00",
            "Monday to Wednesday, 8 AM to 5 PM; Thursday, 8 AM to 8 PM; Friday, 8 AM to 5 PM",
        ),
    ],
)
def test_hours_are_worded_with_consecutive_days_run_together(spec: str, words: str) -> None:
    assert describe_hours(parse_business_hours(spec)) == words
