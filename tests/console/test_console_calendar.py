"""The console's business calendar: hours, the next 12 months of closed days, closures,
holidays worked, and the "what happens if someone calls at ..." check; staff only."""

from __future__ import annotations

from datetime import date
from html import unescape

import pytest
from sqlalchemy import select

from tests.support.abuse import SCRIPT
from tests.support.forms import post
from tests.support.logins import as_client_user, as_staff
from tests.support.pages import html_of
from ticketing.calendar.models import CalendarDay

ROUTES = [
    ("get", "/console/calendar"),
    ("get", "/console/calendar?at=2026-12-24T21:30"),
    ("post", "/console/calendar/closures"),
    ("post", "/console/calendar/open"),
    ("post", "/console/calendar/edits/remove"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_client_users_get_404(client, session, directory, method, path):
    as_client_user(client, session, directory["bakery"])
    data = {"day": "2026-12-24", "name": "x"}
    response = client.get(path) if method == "get" else post(client, path, data)
    assert response.status_code == 404


def what_if(client, moment: str) -> str:
    html = unescape(html_of(client.get(f"/console/calendar?at={moment}")))
    return html.split('id="what-if-result"')[1].split("</p>")[0]


def test_page_shows_hours_zone_and_the_next_twelve_months(client, session, directory):
    html = unescape(html_of(as_staff(client, session).get("/console/calendar")))
    assert "Mon-Fri 08:00-17:00" in html
    assert "America/New_York" in html
    closed = html.split('id="closed-days"')[1].split("</table>")[0]
    assert "Christmas Eve" in closed
    assert "Day After Christmas (observed)" in closed and "holiday (observed day)" in closed
    assert "2027-07-05" in closed  # Independence Day observed, next summer
    assert "2026-11-26" not in closed  # Thanksgiving has passed (today is 2026-12-05)
    assert "2027-12-24" not in closed  # more than 12 months ahead


@pytest.mark.parametrize(
    ("moment", "expected", "heard"),
    [
        ("2026-12-24T21:30", "emergency — holiday: Christmas Eve", "emergency service"),
        ("2026-12-08T10:00", "help desk — business hours", "For the help desk, press 2."),
        ("2026-12-08T18:30", "emergency — evening", "Emergency rates apply"),
        ("2026-12-12T10:00", "emergency — weekend", "emergency service"),
    ],
)
def test_what_if(client, session, directory, moment, expected, heard):
    as_staff(client, session)
    assert expected in what_if(client, moment)
    assert heard in unescape(html_of(client.get(f"/console/calendar?at={moment}")))


def test_what_if_with_nonsense_says_so(client, session, directory):
    html = html_of(as_staff(client, session).get("/console/calendar?at=soon"), 400)
    assert "enter a date and time" in html


def test_closure_add_then_remove(client, session, directory):
    as_staff(client, session)
    response = post(
        client, "/console/calendar/closures", {"day": "2026-12-09", "name": "Office move"}
    )
    assert response.status_code == 302
    assert "emergency — closure: Office move" in what_if(client, "2026-12-09T10:00")
    closed = unescape(html_of(client.get("/console/calendar"))).split('id="closed-days"')[1]
    assert "Office move" in closed.split("</table>")[0]

    response = post(client, "/console/calendar/edits/remove", {"day": "2026-12-09"})
    assert response.status_code == 302
    assert "help desk — business hours" in what_if(client, "2026-12-09T10:00")
    session.expire_all()
    assert session.scalars(select(CalendarDay)).all() == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"day": "2026-12-09", "name": "  "}, "a closure needs a name"),
        ({"day": "someday", "name": "Office move"}, "enter a date"),
    ],
)
def test_a_bad_closure_is_refused(client, session, directory, data, message):
    as_staff(client, session)
    assert message in html_of(post(client, "/console/calendar/closures", data), 400)
    session.expire_all()
    assert session.scalars(select(CalendarDay)).all() == []


def test_a_second_closure_on_the_same_day_is_refused(client, session, directory):
    as_staff(client, session)
    post(client, "/console/calendar/closures", {"day": "2026-12-09", "name": "Office move"})
    html = html_of(
        post(client, "/console/calendar/closures", {"day": "2026-12-09", "name": "x"}), 400
    )
    assert "already a closure" in html


def test_mark_a_holiday_open_then_close_it_again(client, session, directory):
    as_staff(client, session)
    assert post(client, "/console/calendar/open", {"day": "2026-12-24"}).status_code == 302
    assert "help desk — business hours" in what_if(client, "2026-12-24T10:00")
    assert "emergency — evening" in what_if(client, "2026-12-24T21:30")
    html = unescape(html_of(client.get("/console/calendar")))
    row = html.split("Christmas Eve")[1].split("</tr>")[0]
    assert "worked" in row

    assert post(client, "/console/calendar/edits/remove", {"day": "2026-12-24"}).status_code == 302
    assert "emergency — holiday: Christmas Eve" in what_if(client, "2026-12-24T10:00")


def test_mark_open_is_refused_on_a_normal_day(client, session, directory):
    as_staff(client, session)
    html = html_of(post(client, "/console/calendar/open", {"day": "2026-12-08"}), 400)
    assert "2026-12-08 is not a holiday" in html
    session.expire_all()
    assert session.scalars(select(CalendarDay)).all() == []


def test_removing_an_edit_that_does_not_exist_says_so(client, session, directory):
    as_staff(client, session)
    html = html_of(post(client, "/console/calendar/edits/remove", {"day": "2026-12-08"}), 400)
    assert "has no closure" in html


def test_closure_names_are_escaped(client, session, directory):
    session.add(CalendarDay(day=date(2026, 12, 9), kind="closure", name=SCRIPT))
    session.commit()
    as_staff(client, session)
    html = html_of(client.get("/console/calendar?at=2026-12-09T10:00"))
    assert SCRIPT not in html
    assert "closure: &lt;script&gt;" in html
