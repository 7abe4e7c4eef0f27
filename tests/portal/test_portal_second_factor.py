"""Two-step login is optional for a company's administrators: set up from the account
page, then asked for at every login; never asked of those who did not set it up."""

from __future__ import annotations

import re
from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from intake.clock import FrozenClock
from tests.support.forms import post, post_form
from tests.support.logins import CODE_PAGE, log_in
from tests.support.second_factor import code_at, wrong_code
from tests.support.users import make_user
from ticketing.accounts.second_factor import RECOVERY_CODES

ADA = "ada@bakery.example"
_SECRET = re.compile(r'id="second-factor-secret">([A-Z2-7 ]+)</code>')
_CODES = re.compile(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>")


def test_an_administrator_logs_in_without_a_code_until_she_sets_one_up(
    client: FlaskClient, session: Session, directory: dict
) -> None:
    make_user(session, ADA, role="client_admin", client=directory["bakery"])
    assert log_in(client, ADA).location == "/portal/"
    page = client.get("/portal/account").text
    assert "Set up two-step login" in page and "/portal/account/two-step" in page


def test_an_administrator_sets_up_two_step_login_from_her_account_page(
    client: FlaskClient, session: Session, clock: FrozenClock, directory: dict
) -> None:
    ada = make_user(session, ADA, role="client_admin", client=directory["bakery"])
    log_in(client, ada)
    page = client.get("/portal/account/two-step").text
    assert 'src="data:image/svg+xml' in page
    secret = _SECRET.search(page).group(1).replace(" ", "")  # type: ignore[union-attr]
    refused = post_form(client, "/portal/account/two-step", {"code": wrong_code(clock(), secret)})
    assert refused.status_code == 400 and "not right" in refused.text
    session.refresh(ada)
    assert not ada.has_second_factor
    done = post_form(client, "/portal/account/two-step", {"code": code_at(clock(), secret)})
    assert done.status_code == 200 and len(_CODES.findall(done.text)) == RECOVERY_CODES
    session.refresh(ada)
    assert ada.has_second_factor
    assert "On since" in client.get("/portal/account").text
    assert client.get("/portal/account/two-step").location == "/portal/account"
    # From now on the code is asked for after the password.
    other = FlaskClient(client.application)
    data = {"email": ADA, "password": "correct horse battery staple"}
    assert post_form(other, "/login", data).location == CODE_PAGE
    assert other.get("/portal/").location == CODE_PAGE
    clock.advance(timedelta(seconds=30))
    answer = post_form(other, CODE_PAGE, {"code": code_at(clock(), secret)})
    assert answer.location == "/portal/"
    # New recovery codes from the account page.
    again = post(client, "/portal/account/recovery-codes")
    assert len(_CODES.findall(again.text)) == RECOVERY_CODES


def test_users_have_no_two_step_login_to_set_up(
    client: FlaskClient, session: Session, directory: dict
) -> None:
    user = make_user(session, "u@bakery.example", client=directory["bakery"])
    log_in(client, user)
    assert "Two-step login" not in client.get("/portal/account").text
    assert client.get("/portal/account/two-step").status_code == 404
    assert post(client, "/portal/account/recovery-codes").status_code == 404


def test_staff_reset_an_administrators_two_step_login_from_the_client_page(
    client: FlaskClient, session: Session, directory: dict
) -> None:
    bakery = directory["bakery"]
    ada = make_user(session, ADA, role="client_admin", client=bakery, second_factor=True)
    staff = log_in(
        FlaskClient(client.application), make_user(session, "s@firm.example", role="staff")
    )
    page = staff.get(f"/console/clients/{bakery.id}").text
    assert f"/console/users/{ada.id}/second-factor/reset" in page
    done = post(staff, f"/console/users/{ada.id}/second-factor/reset")
    assert done.location == f"/console/clients/{bakery.id}"
    session.refresh(ada)
    assert not ada.has_second_factor
    assert log_in(client, ADA).location == "/portal/"  # optional: straight in again
