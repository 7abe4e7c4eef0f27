"""The console's people: technicians, contacts, clients and users edited, deactivated and
reactivated (never deleted), refusals shown on the page, staff only."""

from __future__ import annotations

from datetime import date

import pytest

from tests.support.forms import post
from tests.support.logins import as_client_user, as_staff
from tests.support.pages import html_of
from tests.support.rows import fresh
from ticketing.accounts.credentials import user_by_email
from ticketing.billing.msa import active_msa


def test_the_technicians_page_lists_who_can_be_paged(client, session, directory) -> None:
    as_staff(client, session)
    html = html_of(client.get("/console/technicians"), 200)
    assert "Dana Whitfield" in html and "Deactivate" in html and "csrf_token" in html


def test_editing_a_technician_changes_the_number(client, session, directory) -> None:
    as_staff(client, session)
    dana = directory["dana"]
    url = f"/console/people/technician/{dana.id}/edit"
    answer = post(client, url, {"name": "Dana W", "phone": "336 555 0199", "email": ""})
    assert answer.status_code == 302
    assert (fresh(session, dana).name, fresh(session, dana).phone) == ("Dana W", "+13365550199")


def test_a_bad_phone_number_is_a_form_error(client, session, directory) -> None:
    as_staff(client, session)
    contact = directory["jane"]
    answer = post(client, f"/console/people/contact/{contact.id}/edit", {"phone": "12"})
    assert "not a valid phone number" in html_of(answer, 400)
    assert fresh(session, contact).phone == "+13365550123"


def test_deactivating_the_technician_on_call_names_the_gap(client, session, directory) -> None:
    as_staff(client, session)
    dana = directory["dana"]
    answer = post(client, f"/console/people/technician/{dana.id}/deactivate")
    assert answer.status_code == 302
    page = html_of(client.get("/console/technicians"), 200)
    assert "Dana Whitfield&#39;s shifts now uncovered: override #" in page
    assert "Reactivate" in page and not fresh(session, dana).active
    post(client, f"/console/people/technician/{dana.id}/reactivate")
    assert fresh(session, dana).active


def test_a_client_and_its_msa_from_the_client_page(client, session, directory) -> None:
    as_staff(client, session)
    diner = directory["diner"]
    post(client, f"/console/people/client/{diner.id}/edit", {"name": "Valley Diner", "msa": "on"})
    diner = fresh(session, diner)
    assert diner.name == "Valley Diner" and diner.has_msa
    assert active_msa(session, diner, date(2026, 12, 5)) is not None
    post(client, f"/console/people/client/{diner.id}/deactivate")
    html = html_of(client.get(f"/console/clients/{diner.id}"), 200)
    assert "A former client" in html and "Reactivate" in html


def test_a_client_user_is_deactivated_and_logged_out(client, session, directory, app) -> None:
    other = app.test_client()
    user = as_client_user(other, session, directory["bakery"])
    assert other.get("/portal/").status_code == 200
    as_staff(client, session)
    assert post(client, f"/console/people/user/{user.id}/deactivate").status_code == 302
    assert other.get("/portal/").status_code == 302


def test_staff_cannot_deactivate_themselves(client, session, directory) -> None:
    as_staff(client, session)
    me = user_by_email(session, "sam@accelerando.example")
    answer = post(client, f"/console/people/user/{me.id}/deactivate")
    assert "your own account" in html_of(answer, 400)


@pytest.mark.parametrize(
    "path", ["/console/people/martian/1/deactivate", "/console/people/user/999/edit"]
)
def test_unknown_people_are_not_found(client, session, directory, path) -> None:
    as_staff(client, session)
    assert post(client, path).status_code == 404


def test_clients_cannot_use_these_forms(client, session, directory) -> None:
    as_client_user(client, session, directory["bakery"])
    dana = directory["dana"]
    assert post(client, f"/console/people/technician/{dana.id}/deactivate").status_code in (
        302,
        403,
        404,
    )
    assert fresh(session, dana).active


def test_staff_set_a_technician_available_or_away(client, session, directory) -> None:
    as_staff(client, session)
    dana = directory["dana"]
    page = html_of(client.get("/console/technicians"), 200)
    assert f"/console/people/technician/{dana.id}/availability" in page
    url = f"/console/people/technician/{dana.id}/availability"
    assert post(client, url, {"availability": "available"}).status_code == 302
    assert fresh(session, dana).availability == "available"
    assert "not an availability" in html_of(post(client, url, {"availability": "busy"}), 400)
    post(client, url, {"availability": "away"})
    assert fresh(session, dana).availability == "away"
