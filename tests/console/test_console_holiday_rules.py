"""The console's holiday policy on the calendar page: library holidays worked or observed
every year, recurring days of the firm's own, and removing a rule; staff only."""

from __future__ import annotations

from html import unescape

import pytest
from sqlalchemy import select

from tests.support.abuse import SCRIPT
from tests.support.forms import post
from tests.support.logins import as_client_user, as_staff
from tests.support.pages import html_of
from ticketing.calendar.models import HolidayRule

ROUTES = [
    "/console/calendar/rules/library",
    "/console/calendar/rules/recurring",
    "/console/calendar/rules/remove",
]


def what_if(client, moment: str) -> str:
    """The what-if answer for a local moment."""
    html = unescape(html_of(client.get(f"/console/calendar?at={moment}")))
    return html.split('id="what-if-result"')[1].split("</p>")[0]


def closed_row(client, day: str) -> str:
    """The row of `day` in the closed-days table."""
    html = unescape(html_of(client.get("/console/calendar")))
    table = html.split('id="closed-days"')[1].split("</table>")[0]
    return table.split(day)[1].split("</tr>")[0]


def rules(session) -> list[tuple[str, str]]:
    """The stored rules, as (kind, name)."""
    session.expire_all()
    return [
        (r.kind, r.name) for r in session.scalars(select(HolidayRule).order_by(HolidayRule.name))
    ]


@pytest.mark.parametrize("path", ROUTES)
def test_client_users_get_404(client, session, directory, path):
    as_client_user(client, session, directory["bakery"])
    assert post(client, path, {"name": "Veterans Day", "choice": "work"}).status_code == 404
    assert rules(session) == []


def test_the_page_offers_the_library_holidays(client, session, directory):
    html = unescape(html_of(as_staff(client, session).get("/console/calendar")))
    form = html.split('id="library-rule-form"')[1].split("</form>")[0]
    assert '<option value="Veterans Day">' in form
    assert "No rules: every library holiday is observed." in html


def test_work_a_library_holiday_every_year_then_observe_it_again(client, session, directory):
    as_staff(client, session)
    form = {"name": "Day After Christmas", "choice": "work"}
    assert post(client, "/console/calendar/rules/library", form).status_code == 302
    assert rules(session) == [("work", "Day After Christmas")]
    assert "help desk — business hours" in what_if(client, "2026-12-28T10:00")
    assert "worked every year" in closed_row(client, "2026-12-28")
    assert "Observe again" in closed_row(client, "2026-12-28")

    response = post(client, "/console/calendar/rules/remove", {"name": "Day After Christmas"})
    assert response.status_code == 302
    assert rules(session) == []
    assert "emergency — holiday: Day After Christmas (observed)" in what_if(
        client, "2026-12-28T10:00"
    )


def test_observe_is_stored_as_a_rule(client, session, directory):
    as_staff(client, session)
    form = {"name": "Veterans Day", "choice": "observe"}
    assert post(client, "/console/calendar/rules/library", form).status_code == 302
    assert rules(session) == [("observe", "Veterans Day")]
    assert "observe: Veterans Day" in unescape(html_of(client.get("/console/calendar")))


@pytest.mark.parametrize(
    ("form", "moment", "day"),
    [
        ({"name": "Office party", "on": "Dec 23"}, "2026-12-23T10:00", "2026-12-23"),
        (
            {"name": "Retreat", "after": "Martin Luther King Jr. Day", "days": "1"},
            "2027-01-19T10:00",
            "2027-01-19",
        ),
    ],
)
def test_add_a_recurring_day(client, session, directory, form, moment, day):
    as_staff(client, session)
    assert post(client, "/console/calendar/rules/recurring", form).status_code == 302
    assert rules(session) == [("recurring", form["name"])]
    assert f"emergency — holiday: {form['name']}" in what_if(client, moment)
    assert "firm's day" in closed_row(client, day)


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"name": "Office party", "on": "Dec 32"}, "Dec has no day 32"),
        ({"name": "Office party", "on": "someday"}, "use a month and day"),
        ({"name": "Office party"}, "either a date"),
        ({"name": "Retreat", "after": "Labor Day", "days": "soon"}, "a whole number"),
        ({"name": "  ", "on": "Dec 23"}, "needs a name"),
    ],
)
def test_a_bad_recurring_day_is_refused(client, session, directory, form, message):
    as_staff(client, session)
    html = unescape(html_of(post(client, "/console/calendar/rules/recurring", form), 400))
    assert message in html
    assert rules(session) == []


def test_an_unknown_holiday_is_refused(client, session, directory):
    as_staff(client, session)
    form = {"name": "Arbor Day", "choice": "work"}
    html = unescape(html_of(post(client, "/console/calendar/rules/library", form), 400))
    assert "'Arbor Day' is not a holiday of the US-NC calendar" in html
    assert rules(session) == []


def test_removing_an_unknown_rule_says_so(client, session, directory):
    as_staff(client, session)
    html = unescape(html_of(post(client, "/console/calendar/rules/remove", {"name": "x"}), 400))
    assert "no holiday rule named 'x'" in html


def test_firm_day_names_are_escaped(client, session, directory):
    as_staff(client, session)
    form = {"name": SCRIPT, "on": "Dec 23"}
    assert post(client, "/console/calendar/rules/recurring", form).status_code == 302
    html = html_of(client.get("/console/calendar?at=2026-12-23T10:00"))
    assert SCRIPT not in html
    assert "holiday: &lt;script&gt;" in html
