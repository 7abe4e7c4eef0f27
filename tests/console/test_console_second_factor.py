"""Staff log in with a password and a code: enrolment with a QR code at the first login,
the code page after it, recovery codes, a colleague's reset, the half-logged-in state."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from intake.clock import FrozenClock
from portal_web.auth.second_factor import EXPIRED, REPLAYED, WRONG_CODE
from portal_web.second_factor import PENDING_FOR
from tests.support.forms import post, post_form
from tests.support.logins import CODE_PAGE, enter_code, is_logged_in, log_in
from tests.support.second_factor import code_at, current_code, wrong_code
from tests.support.users import PASSWORD, make_user
from ticketing.accounts.credentials import issue_link
from ticketing.accounts.models import TokenPurpose
from ticketing.accounts.second_factor import RECOVERY_CODES, new_recovery_codes
from ticketing.firm import Firm

SAM = "sam@firm.example"
ENROL_PAGE = "/login/enrol"
_SECRET = re.compile(r'id="second-factor-secret">([A-Z2-7 ]+)</code>')
_CODES = re.compile(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>")


def _password(client: FlaskClient, email: str = SAM, **request: object) -> str:
    """Type the password; where the answer sends the browser."""
    answer = post_form(client, "/login", {"email": email, "password": PASSWORD}, **request)
    assert answer.status_code == 302, answer.status_code
    return answer.location


def _secret_on(page: str) -> str:
    found = _SECRET.search(page)
    assert found, "no secret on the enrolment page"
    return found.group(1).replace(" ", "")


def test_staff_without_a_second_factor_enrol_with_a_qr_code(
    client: FlaskClient, session: Session, clock: FrozenClock
) -> None:
    sam = make_user(session, SAM, role="staff", second_factor=False)
    assert _password(client) == ENROL_PAGE
    assert client.get("/console/").location == ENROL_PAGE  # not in yet
    page = client.get(ENROL_PAGE).text
    assert 'id="second-factor-qr" src="data:image/svg+xml' in page
    secret = _secret_on(page)
    assert _secret_on(client.get(ENROL_PAGE).text) == secret  # a reload shows the same one
    refused = post_form(client, ENROL_PAGE, {"code": wrong_code(clock(), secret)})
    assert refused.status_code == 200 and WRONG_CODE in refused.text
    done = post_form(client, ENROL_PAGE, {"code": code_at(clock(), secret)})
    assert done.status_code == 200
    codes = _CODES.findall(done.text)
    assert len(set(codes)) == RECOVERY_CODES
    assert client.get("/console/").status_code == 200
    session.refresh(sam)
    assert sam.has_second_factor and sam.totp_secret == secret


def test_enrolled_staff_type_the_code_after_the_password(
    client: FlaskClient, session: Session
) -> None:
    make_user(session, SAM, role="staff")
    assert _password(client, query_string={"next": "/console/tickets"}) == CODE_PAGE
    for url in ("/console/", "/console/tickets", "/console/staff", "/portal/"):
        assert client.get(url).location == CODE_PAGE, url
    code_page = client.get(CODE_PAGE)
    assert code_page.status_code == 200 and 'autocomplete="one-time-code"' in code_page.text
    done = enter_code(client)
    assert done.status_code == 302 and done.location == "/console/tickets"
    assert client.get("/console/tickets").status_code == 200


def test_a_used_code_is_refused_at_the_next_login(client: FlaskClient, session: Session) -> None:
    make_user(session, SAM, role="staff")
    code = current_code(client.application)
    _password(client)
    assert post_form(client, CODE_PAGE, {"code": code}).location == "/console/"
    other = FlaskClient(client.application)
    _password(other)
    replayed = post_form(other, CODE_PAGE, {"code": code})
    assert replayed.status_code == 200 and REPLAYED in replayed.text
    assert not is_logged_in(other)


def test_the_half_logged_in_state_expires(
    client: FlaskClient, session: Session, clock: FrozenClock
) -> None:
    make_user(session, SAM, role="staff")
    _password(client)
    clock.advance(PENDING_FOR)
    answer = client.get(CODE_PAGE)
    assert answer.status_code == 302 and answer.location == "/login"
    assert EXPIRED in client.get("/login").text
    assert client.get("/console/").location.startswith("/login?")


def test_a_recovery_code_logs_in_once(
    client: FlaskClient, session: Session, clock: FrozenClock
) -> None:
    sam = make_user(session, SAM, role="staff")
    codes = new_recovery_codes(session, sam, now=clock())
    session.commit()
    _password(client)
    assert post_form(client, CODE_PAGE, {"code": codes[3]}).location == "/console/"
    assert f"{RECOVERY_CODES - 1} left" in client.get("/console/").text
    other = FlaskClient(client.application)
    _password(other)
    again = post_form(other, CODE_PAGE, {"code": codes[3]})
    assert again.status_code == 200 and WRONG_CODE in again.text


def test_staff_make_new_recovery_codes_on_their_account_page(
    client: FlaskClient, session: Session, clock: FrozenClock
) -> None:
    sam = make_user(session, SAM, role="staff")
    old = new_recovery_codes(session, sam, now=clock())
    session.commit()
    log_in(client, sam)
    assert "Recovery codes left" in client.get("/console/account").text
    page = post(client, "/console/account/recovery-codes")
    new = _CODES.findall(page.text)
    assert len(new) == RECOVERY_CODES and not set(new) & set(old)
    other = FlaskClient(client.application)
    _password(other)
    assert post_form(other, CODE_PAGE, {"code": old[0]}).status_code == 200
    assert post_form(other, CODE_PAGE, {"code": new[0]}).location == "/console/"


def test_a_colleague_resets_a_lost_phone_from_the_staff_page(
    client: FlaskClient, session: Session
) -> None:
    sam = make_user(session, SAM, role="staff", name="Sam Okafor")
    pat = make_user(session, "pat@firm.example", role="staff", name="Pat Lee")
    sams_browser = log_in(FlaskClient(client.application), sam)
    log_in(client, pat)
    page = client.get("/console/staff").text
    assert "Sam Okafor" in page and f"/console/users/{sam.id}/second-factor/reset" in page
    done = post(client, f"/console/users/{sam.id}/second-factor/reset")
    assert done.location == "/console/staff"
    assert "Two-step login of Sam Okafor was reset" in client.get("/console/staff").text
    session.refresh(sam)
    assert not sam.has_second_factor
    assert not is_logged_in(sams_browser)  # the old sessions ended
    assert _password(sams_browser) == ENROL_PAGE


def test_a_staff_session_without_a_second_factor_is_sent_to_enrol(
    client: FlaskClient, session: Session
) -> None:
    """A session opened before staff needed a second factor does not open the console."""
    sam = make_user(session, SAM, role="staff", second_factor=False)
    log_in(client, sam)
    assert client.get("/console/oncall").location == ENROL_PAGE
    assert not is_logged_in(client)
    assert client.get(ENROL_PAGE).status_code == 200


def test_a_password_link_does_not_skip_the_second_factor(
    client: FlaskClient, session: Session, clock: FrozenClock
) -> None:
    sam = make_user(session, SAM, role="staff")
    firm = Firm(name="The Firm", base_url="https://portal.example.com", support_lines=())
    link = issue_link(session, sam, TokenPurpose.RESET, now=clock(), firm=firm)
    session.commit()
    path = link.removeprefix("https://portal.example.com")
    new_password = "a brand new password"
    done = post_form(client, path, {"password": new_password, "confirm": new_password})
    assert done.location == CODE_PAGE
    assert client.get("/console/").location == CODE_PAGE
    assert enter_code(client).location == "/console/"


def test_remember_me_is_kept_until_the_code_is_right(
    client: FlaskClient, session: Session, clock: FrozenClock
) -> None:
    make_user(session, SAM, role="staff")
    data = {"email": SAM, "password": PASSWORD, "remember": "y"}
    assert post_form(client, "/login", data).location == CODE_PAGE
    assert client.get_cookie("remember_token") is None
    enter_code(client)
    assert client.get_cookie("remember_token") is not None
