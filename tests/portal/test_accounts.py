"""The account rules without a browser: requests and decisions, passwords, links, throttling."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.clock import FrozenClock
from tests.support.outbox import account_emails, link_path
from tests.support.users import PASSWORD, make_user
from ticketing.accounts.access_requests import (
    add_client_user,
    add_staff_user,
    approve_request,
    pending_requests,
    reject_request,
    submit_access_request,
)
from ticketing.accounts.credentials import (
    hash_password,
    normalize_email,
    password_problem,
    request_reset,
    set_password,
    usable_token,
    verify_password,
)
from ticketing.accounts.logins import authenticate, throttled
from ticketing.accounts.models import AccessRequest, PasswordToken, User
from ticketing.errors import DomainError, NotFound
from ticketing.firm import Firm

FIRM = Firm(name="Accelerando", base_url="https://portal.example.com/")


def _ask(session: Session, clock: FrozenClock, email: str = "pat@example.com", **kw: str):
    fields = {"name": "Pat Baker", "company": "Blue Ridge Bakery", "phone": "", "message": ""}
    return submit_access_request(session, **{**fields, **kw}, email=email, now=clock(), firm=FIRM)


def _approve(session: Session, clock: FrozenClock, request_id: int, **kw: object):
    options = {"account": "1001", "admin": False, "billing": False, **kw}
    return approve_request(
        session, request_id, **options, now=clock(), firm=FIRM, decided_by="Priya"
    )


def test_passwords_are_salted_scrypt_hashes() -> None:
    first, second = hash_password(PASSWORD), hash_password(PASSWORD)
    assert first.startswith("scrypt:") and first != second and PASSWORD not in first
    assert verify_password(first, PASSWORD) and not verify_password(first, PASSWORD + "x")
    assert not verify_password(None, PASSWORD)
    assert not verify_password(first, "x" * 5000)


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("eleven char", "at least 12"),
        ("zzzzzzzzzzzzzz", "more than one"),
        (" Pat@Example.com ", "email address"),
        ("x" * 1025, "at most 1024"),
        (PASSWORD, None),
    ],
)
def test_password_rules(password: str, problem: str | None) -> None:
    found = password_problem(password, "pat@example.com")
    assert found is None if problem is None else problem in found


def test_email_addresses_are_checked_and_lowered() -> None:
    assert normalize_email("  Pat@Example.COM ") == "pat@example.com"
    for bad in ("", "pat", "pat@", "@example.com", "pat@example", "a b@example.com", "x\n@a.com"):
        with pytest.raises(DomainError):
            normalize_email(bad)


def test_approval_opens_the_account_and_emails_a_72_hour_link(
    session: Session, clock: FrozenClock, directory: dict
) -> None:
    request = _ask(session, clock, "Jane@BlueRidge.example", phone="+13365550123")
    assert pending_requests(session) == [request]
    jane = directory["jane"].id
    issued = _approve(session, clock, request.id, admin=True, billing=True, contact=jane)
    user = issued.user
    assert (user.email, user.role, user.can_view_billing) == (
        "jane@blueridge.example",
        "client_admin",
        True,
    )
    assert user.client_id == directory["bakery"].id and user.password_hash is None
    # Staff said she is the bakery's contact Jane: her calls' tickets are hers in the portal.
    assert user.contact_id == jane and user.phone == "+13365550123"
    assert (request.status, request.user_id, request.decided_by) == ("approved", user.id, "Priya")
    assert pending_requests(session) == []
    (email,) = account_emails(session, to="jane@blueridge.example")
    assert issued.link.startswith("https://portal.example.com/set-password/")
    assert issued.link in email.body and "72 hours" in email.body
    token = session.scalars(select(PasswordToken)).one()
    assert (token.purpose, token.expires_at) == ("set", clock() + timedelta(hours=72))
    raw = link_path(email.body).rsplit("/", 1)[1]
    assert raw not in token.token_hash and len(token.token_hash) == 64


def test_approval_errors_save_nothing_new(
    session: Session, clock: FrozenClock, directory: dict
) -> None:
    request = _ask(session, clock)
    with pytest.raises(NotFound, match="no access request #999"):
        _approve(session, clock, 999)
    with pytest.raises(NotFound, match="no client has account number 4242"):
        _approve(session, clock, request.id, account="4242")
    make_user(session, "pat@example.com")
    with pytest.raises(DomainError, match="already has an account"):
        _approve(session, clock, request.id)
    assert request.status == "pending"


def test_a_request_is_decided_once(session: Session, clock: FrozenClock, directory: dict) -> None:
    request = _ask(session, clock)
    reject_request(
        session,
        request.id,
        reason="We only serve contract clients.",
        now=clock(),
        firm=FIRM,
        decided_by="Priya",
    )
    assert request.status == "rejected" and request.decided_at == clock()
    (email,) = account_emails(session, to="pat@example.com")
    assert "could not open an account" in email.body
    assert "We only serve contract clients." in email.body
    with pytest.raises(DomainError, match="already rejected"):
        _approve(session, clock, request.id)
    with pytest.raises(DomainError, match="already rejected"):
        reject_request(session, request.id, reason="", now=clock(), firm=FIRM, decided_by="x")


def test_repeated_requests_are_stored_once(session: Session, clock: FrozenClock) -> None:
    assert _ask(session, clock) is not None
    assert _ask(session, clock, "PAT@example.com") is None
    assert len(session.scalars(select(AccessRequest)).all()) == 1


def test_existing_users_are_told_by_email_not_by_the_form(
    session: Session, clock: FrozenClock
) -> None:
    make_user(session, "pat@example.com")
    assert _ask(session, clock) is None and _ask(session, clock) is None
    assert session.scalars(select(AccessRequest)).all() == []
    (told,) = account_emails(session, to="pat@example.com")  # one a day, however often
    assert "https://portal.example.com/login" in told.body


def test_staff_and_client_users_added_directly(
    session: Session, clock: FrozenClock, directory: dict
) -> None:
    staff = add_staff_user(
        session, email="Priya@Firm.example", name="Priya Nair", admin=False, now=clock(), firm=FIRM
    ).user
    boss = add_staff_user(
        session, email="boss@firm.example", name="Boss", admin=True, now=clock(), firm=FIRM
    ).user
    assert (staff.role, staff.client_id, staff.is_staff) == ("staff", None, True)
    assert boss.role == "admin"
    user = add_client_user(
        session,
        email="clerk@diner.example",
        name=" Clerk ",
        account="1003",
        admin=False,
        billing=False,
        now=clock(),
        firm=FIRM,
    ).user
    assert (user.role, user.name, user.client_id) == ("client_user", "Clerk", directory["diner"].id)
    for email, name, problem in (
        ("priya@firm.example", "Again", "already has an account"),
        ("nope", "Someone", "not an email address"),
        ("ok@firm.example", "  ", "needs a name"),
    ):
        with pytest.raises(DomainError, match=problem):
            add_staff_user(session, email=email, name=name, admin=False, now=clock(), firm=FIRM)
    assert len(account_emails(session)) == 3


def test_flask_login_glue(session: Session) -> None:
    user = make_user(session, "pat@example.com")
    assert user.get_id() == f"{user.id}:1"
    assert user.is_authenticated and user.is_active and not user.is_anonymous
    user.active = False
    assert not user.is_active


def test_setting_a_password_uses_every_open_link_and_ends_sessions(
    session: Session, clock: FrozenClock, directory: dict
) -> None:
    user = make_user(session, "pat@example.com", password=None)
    for _ in range(2):
        request_reset(session, "pat@example.com", now=clock(), firm=FIRM)
    first, second = (link_path(m.body).rsplit("/", 1)[1] for m in account_emails(session))
    token = usable_token(session, first, now=clock())
    assert token is not None and token.purpose == "reset"
    with pytest.raises(DomainError, match="at least 12"):
        set_password(session, token, "short", now=clock())
    set_password(session, token, PASSWORD, now=clock())
    assert user.session_version == 2 and verify_password(user.password_hash, PASSWORD)
    assert usable_token(session, first, now=clock()) is None
    assert usable_token(session, second, now=clock()) is None
    with pytest.raises(DomainError, match="already used"):
        set_password(session, token, PASSWORD, now=clock())


def test_reset_links_last_an_hour_and_are_limited(session: Session, clock: FrozenClock) -> None:
    make_user(session, "pat@example.com")
    request_reset(session, "nobody@example.com", now=clock(), firm=FIRM)
    assert account_emails(session) == []
    for _ in range(5):
        request_reset(session, "Pat@Example.com", now=clock(), firm=FIRM)
    emails = account_emails(session)
    assert len(emails) == 3  # no flood of someone's inbox
    raw = link_path(emails[0].body).rsplit("/", 1)[1]
    assert usable_token(session, raw, now=clock() + timedelta(minutes=59)) is not None
    assert usable_token(session, raw, now=clock() + timedelta(hours=1)) is None


def test_inactive_users_get_no_reset_and_no_usable_link(
    session: Session, clock: FrozenClock
) -> None:
    user = make_user(session, "pat@example.com")
    request_reset(session, "pat@example.com", now=clock(), firm=FIRM)
    raw = link_path(account_emails(session)[0].body).rsplit("/", 1)[1]
    user.active = False
    assert usable_token(session, raw, now=clock()) is None
    request_reset(session, "pat@example.com", now=clock(), firm=FIRM)
    assert len(account_emails(session)) == 1


def test_throttling_counts_failures_within_fifteen_minutes(
    session: Session, clock: FrozenClock
) -> None:
    make_user(session, "pat@example.com")
    # Failures spread over more than 15 minutes never lock the account.
    for _ in range(8):
        failed = authenticate(session, "pat@example.com", "wrong", remote_addr="1", now=clock())
        assert failed.user is None and not failed.throttled
        clock.advance(timedelta(minutes=4))
    assert not throttled(session, "pat@example.com", "1", now=clock())
    for _ in range(4):
        authenticate(session, "pat@example.com", "wrong", remote_addr="1", now=clock())
    assert throttled(session, "pat@example.com", "1", now=clock())
    # The lock lasts 15 minutes from the failure that set it off; refusals add nothing.
    clock.advance(timedelta(minutes=10))
    refused = authenticate(session, "pat@example.com", PASSWORD, remote_addr="1", now=clock())
    assert refused.throttled and refused.user is None
    clock.advance(timedelta(minutes=5))
    ok = authenticate(session, "PAT@example.com", PASSWORD, remote_addr="1", now=clock())
    assert isinstance(ok.user, User) and ok.user.last_login_at == clock()
