"""The console's on-call page: who is on call, the next four weeks, overrides, the
escalation policy, technicians' opt-out state and calendar links; staff only."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import select

from tests.support.abuse import SCRIPT
from tests.support.forms import post
from tests.support.logins import as_client_user, as_staff
from tests.support.moments import local
from tests.support.pages import html_of
from tests.support.twilio import PUBLIC_BASE_URL
from ticketing.oncall.models import OnCallOverride
from ticketing.oncall.roster import on_call, set_rotation
from ticketing.paging.policies import default_policy, describe_step

ROUTES = [
    ("get", "/console/oncall"),
    ("post", "/console/oncall/overrides"),
    ("post", "/console/oncall/overrides/1/delete"),
    ("post", "/console/oncall/policy"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_client_users_get_404(client, session, directory, method, path):
    as_client_user(client, session, directory["bakery"])
    response = client.get(path) if method == "get" else post(client, path, {"role": "primary"})
    assert response.status_code == 404


def test_anonymous_is_sent_to_log_in(client, directory):
    assert client.get("/console/oncall").status_code == 302


def test_page_shows_who_is_on_call_and_the_technicians(client, session, directory):
    directory["luis"].sms_opted_out = True
    session.commit()
    html = html_of(as_staff(client, session).get("/console/oncall"))
    now_primary = html.split('id="now-primary"')[1].split("</div>")[0]
    assert "Dana Whitfield" in now_primary
    assert "Nobody" in html.split('id="now-secondary"')[1].split("</div>")[0]
    techs = html.split('id="technicians"')[1]
    assert "(336) 555-0101" in techs
    assert "texts off (STOP): paged by voice" in techs.split("Luis Romero")[1].split("</tr>")[0]
    assert "manager" in techs.split("Priya Nair")[1].split("</tr>")[0]
    token = directory["dana"].calendar_token
    assert f"{PUBLIC_BASE_URL}/oncall/{token}.ics" in techs


def test_calendar_lists_rotation_shifts_in_the_business_zone(client, session, directory, clock):
    set_rotation(
        session,
        "Weekly",
        role="secondary",
        members=["Luis Romero", "Priya Nair"],
        handoff="Mon 08:00",
        starts=None,
        shift_days=7,
        today=local("2026-12-05 23:10").date(),
        timezone="America/New_York",
    )
    session.commit()
    html = unescape(html_of(as_staff(client, session).get("/console/oncall")))
    assert 'rotation "Weekly"' in html
    # The first hand-off, Monday 12/7 at 08:00 New York time.
    assert "Mon 12/7/2026 8:00 AM EST" in html
    assert "Luis Romero, Priya Nair" in html


def test_override_add_shows_in_calendar_and_on_call_then_delete(client, session, directory):
    as_staff(client, session)
    response = post(
        client,
        "/console/oncall/overrides",
        {
            "technician": "Luis Romero",
            "role": "primary",
            "start": "2026-12-07T08:00",
            "end": "2026-12-08T08:00",
        },
    )
    assert response.status_code == 302
    session.expire_all()
    override = session.scalars(select(OnCallOverride).order_by(OnCallOverride.id.desc())).first()
    assert override.technician.name == "Luis Romero"
    number = override.id
    assert on_call(session, local("2026-12-07 12:00")).name == "Luis Romero"
    assert on_call(session, local("2026-12-08 09:00")).name == "Dana Whitfield"
    html = html_of(client.get("/console/oncall"))
    assert f"override #{number}" in html
    assert "Mon 12/7/2026 8:00 AM EST" in html

    assert post(client, f"/console/oncall/overrides/{number}/delete").status_code == 302
    session.expire_all()
    assert on_call(session, local("2026-12-07 12:00")).name == "Dana Whitfield"
    assert f"override #{number}" not in html_of(client.get("/console/oncall"))


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2026-12-08T08:00", "2026-12-07T08:00", "must end after it starts"),
        ("2026-12-01T08:00", "2026-12-02T08:00", "entirely in the past"),
        ("next tuesday", "2026-12-08T08:00", "enter a date and time"),
    ],
)
def test_a_bad_override_is_refused_and_nothing_saved(
    client, session, directory, start, end, message
):
    as_staff(client, session)
    before = len(session.scalars(select(OnCallOverride)).all())
    data = {"technician": "Luis Romero", "role": "primary", "start": start, "end": end}
    html = html_of(post(client, "/console/oncall/overrides", data), 400)
    assert message in html
    assert f'value="{start}"' in html  # the form keeps what was typed
    session.expire_all()
    assert len(session.scalars(select(OnCallOverride)).all()) == before


def test_deleting_a_missing_override_says_so(client, session, directory):
    as_staff(client, session)
    assert "no override #999" in html_of(post(client, "/console/oncall/overrides/999/delete"), 400)


def test_policy_edit_round_trip(client, session, directory):
    as_staff(client, session)
    html = html_of(client.get("/console/oncall"))
    assert "5m primary call" in html
    steps = "0s primary sms\n3m primary call\n6m Priya Nair sms+call\n"
    response = post(
        client, "/console/oncall/policy", {"steps": steps, "repeat": "3", "pause": "2m"}
    )
    assert response.status_code == 302
    session.expire_all()
    policy = default_policy(session)
    assert [describe_step(s) for s in policy.steps] == [
        "0s primary sms",
        "3m primary call",
        "6m Priya Nair sms+call",
    ]
    assert (policy.repeat, policy.repeat_delay_seconds) == (3, 120)
    html = html_of(client.get("/console/oncall"))
    assert "6m Priya Nair sms+call" in html
    assert "pausing 2m between rounds" in html


@pytest.mark.parametrize(
    ("steps", "repeat", "message"),
    [
        ("0s primary sms\n5m primary fax", "2", "channel"),
        ("5m primary sms\n0s primary call", "2", "in order of their delay"),
        ("0s Nobody Known sms", "2", "no technician named"),
        ("0s primary sms", "many", "whole number"),
        ("0s primary sms", "11", "between 1 and 10"),
    ],
)
def test_a_bad_policy_is_refused_and_the_old_one_kept(
    client, session, directory, steps, repeat, message
):
    as_staff(client, session)
    html_of(client.get("/console/oncall"))  # the default policy exists from here on
    session.commit()
    data = {"steps": steps, "repeat": repeat, "pause": "5m"}
    html = html_of(post(client, "/console/oncall/policy", data), 400)
    assert message in html
    session.expire_all()
    assert "5m primary call" in [describe_step(s) for s in default_policy(session).steps]


def test_names_are_escaped(client, session, directory):
    directory["luis"].name = SCRIPT
    session.commit()
    html = html_of(as_staff(client, session).get("/console/oncall"))
    assert SCRIPT not in html
    assert "&lt;script&gt;" in html
    assert not re.search(r"<script>alert", html)
