"""One way of writing a date on every page: "Sat 12/5/2026", and with a time "Sat 12/5/2026
11:10 PM EST" (portal_web/display.py). Templates never format a date themselves."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest

import portal_web
from portal_web.display import clock_time, local_day, local_dt, month_label

TEMPLATES = Path(portal_web.__file__).parent / "templates"
# Machine-readable places (an attribute's value, a URL's arguments) keep ISO dates.
MACHINE = re.compile(r'(?:value|datetime|href|action)="[^"]*"')
SELF_FORMATTED = re.compile(r"\.isoformat\(\)|\.strftime\(|\.(?:day|month|year) \}\}")


def _templates() -> list[Path]:
    return sorted(TEMPLATES.rglob("*.html"))


@pytest.mark.parametrize("template", _templates(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_no_template_writes_a_date_its_own_way(template: Path) -> None:
    shown = MACHINE.sub("", template.read_text())

    assert SELF_FORMATTED.findall(shown) == []


def test_the_one_format(app) -> None:
    with app.app_context():
        moment = datetime(2026, 12, 6, 4, 10, tzinfo=UTC)
        assert local_dt(moment) == "Sat 12/5/2026 11:10 PM EST"
        assert local_day(date(2026, 12, 5)) == "Sat 12/5/2026"
        assert local_day(moment) == "Sat 12/5/2026"  # a moment's local date
        assert local_day(None) == "—"
        assert month_label(date(2026, 12, 1)) == "Dec 2026"
        assert clock_time(time(8, 0)) == "8:00 AM" and clock_time(time(0, 5)) == "12:05 AM"


def test_invoices_use_it_too(app) -> None:
    from portal_web.portal.invoices import day, local

    with app.app_context():
        assert day(date(2026, 12, 5)) == "Sat 12/5/2026"
        assert local(datetime(2026, 12, 6, 4, 10, tzinfo=UTC)) == "Sat 12/5/2026 11:10 PM EST"
