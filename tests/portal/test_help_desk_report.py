"""The executive report's help-desk figures: calls, median and worst wait, abandoned calls
and sessions capped, per month in the business time zone, drills and other clients left out."""

from __future__ import annotations

import re
from datetime import date

import pytest

from tests.support.logins import log_in
from tests.support.moments import local
from tests.support.tickets import help_desk_caller
from tests.support.users import make_user
from ticketing.billing.helpdesk_figures import HelpDeskFigures, help_desk_figures

# (client, queued at, outcome, wait in seconds, capped, drill)
CALLS = [
    ("bakery", "2026-10-06 10:00", "answered", 120, True, False),
    ("bakery", "2026-10-07 11:00", "answered", 300, False, False),
    ("bakery", "2026-10-20 14:00", "hung_up", 600, False, False),
    # 01:30 UTC on 1 November: still October in New York.
    ("bakery", "2026-10-31 21:30", "message", 60, False, False),
    ("bakery", "2026-11-03 09:00", "answered", 240, False, False),
    ("bakery", "2026-11-04 09:00", None, None, False, False),  # still waiting
    ("bakery", "2026-11-05 09:00", "answered", 5000, True, True),  # a drill
    ("diner", "2026-10-06 10:00", "hung_up", 9999, True, False),  # another client
]


@pytest.fixture
def help_desk_calls(session, directory):
    """The queue entries above, as the help desk left them."""
    for n, (who, at, outcome, wait, capped, drill) in enumerate(CALLS):
        entry = help_desk_caller(
            session, directory[who].id, "+13365550123", f"CA{n:032d}", local(at)
        )
        entry.outcome, entry.wait_seconds, entry.capped = outcome, wait, capped
        entry.ticket.drill = drill
    session.commit()
    return directory


def test_figures_per_month_and_in_total(session, help_desk_calls) -> None:
    bakery = help_desk_calls["bakery"].id
    report = help_desk_figures(session, bakery, date(2026, 10, 1), date(2026, 12, 1))
    october, november, december = (m.figures for m in report.months)
    # Waits 60, 120, 300, 600 s: the median is between the middle two.
    assert october == HelpDeskFigures(4, 1, 1, 210, 600)
    assert (october.median_wait_minutes, october.worst_wait_minutes) == (3.5, 10.0)
    # The caller still waiting counts as a call but has no wait yet.
    assert november == HelpDeskFigures(2, 0, 0, 240, 240)
    assert december == HelpDeskFigures()
    assert report.total == HelpDeskFigures(6, 1, 1, 240, 600)


def test_the_report_page_shows_the_help_desk_table(session, client, help_desk_calls) -> None:
    user = make_user(
        session, "jane@blueridge.example", client=help_desk_calls["bakery"], role="client_admin"
    )
    session.commit()
    log_in(client, user)
    html = client.get("/portal/reports?from=2026-10&to=2026-11").get_data(as_text=True)
    table = html[html.index('<table class="report help-desk"') :]
    table = table[: table.index("</table>")]
    rows = [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)
    ]
    assert rows == [
        ["Month", "Calls", "Wait: median", "Worst", "Abandoned", "Capped"],
        ["Oct 2026", "4", "3.5", "10.0", "1", "1"],
        ["Nov 2026", "2", "4.0", "4.0", "0", "0"],
        ["Total", "6", "4.0", "10.0", "1", "1"],
    ]
