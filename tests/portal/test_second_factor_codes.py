"""The second factor's rules, without the web: codes one step either side, each once;
recovery codes once each, hashed, replaced together; a reset removes everything."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.clock import FrozenClock
from tests.support.second_factor import TOTP_SECRET, code_at, wrong_code
from tests.support.users import make_user
from ticketing.accounts.logins import MAX_PER_EMAIL, check_second_factor
from ticketing.accounts.models import LoginAttempt, RecoveryCode, User
from ticketing.accounts.second_factor import (
    RECOVERY_CODES,
    CodeCheck,
    check_code,
    confirm_enrolment,
    new_recovery_codes,
    new_secret,
    provisioning_uri,
    recovery_codes_left,
    reset_second_factor,
)
from ticketing.errors import DomainError

STEP = timedelta(seconds=30)
ADA = "ada@bakery.example"


@pytest.fixture
def staff(session: Session) -> User:
    """A member of staff with the tests' known secret."""
    return make_user(session, "sam@firm.example", role="staff")


def test_staff_users_are_made_with_a_second_factor_and_clients_without(
    session: Session, staff: User, directory: dict
) -> None:
    admin = make_user(
        session, "ada@bakery.example", role="client_admin", client=directory["bakery"]
    )
    assert staff.has_second_factor and staff.must_have_second_factor
    assert not admin.has_second_factor and not admin.must_have_second_factor
    assert admin.may_enrol_second_factor
    user = make_user(session, "u@bakery.example", client=directory["bakery"])
    assert not user.may_enrol_second_factor


def test_a_code_is_good_one_step_either_side_and_no_further(
    session: Session, staff: User, clock: FrozenClock
) -> None:
    now = clock()
    assert check_code(session, staff, code_at(now - 2 * STEP), now=now) == CodeCheck.WRONG
    assert check_code(session, staff, code_at(now + 2 * STEP), now=now) == CodeCheck.WRONG
    assert check_code(session, staff, code_at(now - STEP), now=now) == CodeCheck.TOTP
    assert check_code(session, staff, code_at(now), now=now) == CodeCheck.TOTP
    assert check_code(session, staff, code_at(now + STEP), now=now) == CodeCheck.TOTP


def test_a_code_works_once_and_no_older_one_after_it(
    session: Session, staff: User, clock: FrozenClock
) -> None:
    now = clock()
    code = code_at(now)
    assert check_code(session, staff, code, now=now) == CodeCheck.TOTP
    assert check_code(session, staff, code, now=now) == CodeCheck.REPLAYED
    assert check_code(session, staff, code_at(now - STEP), now=now) == CodeCheck.REPLAYED
    later = clock.advance(STEP)
    assert check_code(session, staff, code, now=later) == CodeCheck.REPLAYED  # step t-1 now
    assert check_code(session, staff, code_at(later), now=later) == CodeCheck.TOTP


def test_codes_are_read_as_people_type_them(
    session: Session, staff: User, clock: FrozenClock
) -> None:
    code = code_at(clock())
    typed = f" {code[:3]} {code[3:]} "
    assert check_code(session, staff, typed, now=clock()) == CodeCheck.TOTP
    for junk in ("", None, "12345", "1234567", "abcdef", "x" * 5000):
        assert check_code(session, staff, junk, now=clock()) == CodeCheck.WRONG


def test_recovery_codes_are_hashed_and_each_works_once(
    session: Session, staff: User, clock: FrozenClock
) -> None:
    codes = new_recovery_codes(session, staff, now=clock())
    assert len(codes) == len(set(codes)) == RECOVERY_CODES
    stored = session.scalars(select(RecoveryCode.code_hash)).all()
    assert all(h.startswith("scrypt:") for h in stored)
    assert not any(c in h or c.replace("-", "") in h for c in codes for h in stored)
    assert check_code(session, staff, codes[0].upper(), now=clock()) == CodeCheck.RECOVERY
    assert check_code(session, staff, codes[0], now=clock()) == CodeCheck.WRONG
    assert recovery_codes_left(session, staff) == RECOVERY_CODES - 1


def test_new_recovery_codes_replace_the_old_ones(
    session: Session, staff: User, clock: FrozenClock
) -> None:
    old = new_recovery_codes(session, staff, now=clock())
    new = new_recovery_codes(session, staff, now=clock())
    assert check_code(session, staff, old[1], now=clock()) == CodeCheck.WRONG
    assert check_code(session, staff, new[1], now=clock()) == CodeCheck.RECOVERY
    assert recovery_codes_left(session, staff) == RECOVERY_CODES - 1


def test_enrolment_takes_a_first_code_of_the_new_secret(
    session: Session, clock: FrozenClock, directory: dict
) -> None:
    admin = make_user(
        session, "ada@bakery.example", role="client_admin", client=directory["bakery"]
    )
    secret = new_secret()
    assert "secret=" + secret in provisioning_uri(secret, admin.email, "The Firm")
    with pytest.raises(DomainError):
        confirm_enrolment(session, admin, now=clock())  # no code yet
    wrong = check_code(session, admin, code_at(clock(), TOTP_SECRET), now=clock(), enrolling=secret)
    assert wrong == CodeCheck.WRONG and not admin.has_second_factor
    good = check_code(session, admin, code_at(clock(), secret), now=clock(), enrolling=secret)
    assert good == CodeCheck.TOTP
    codes = confirm_enrolment(session, admin, now=clock())
    assert admin.has_second_factor and admin.totp_secret == secret
    assert len(codes) == RECOVERY_CODES


def test_a_reset_removes_the_factor_its_codes_and_the_sessions(
    session: Session, staff: User, clock: FrozenClock
) -> None:
    new_recovery_codes(session, staff, now=clock())
    version = staff.session_version
    reset_second_factor(session, staff)
    session.flush()
    assert not staff.has_second_factor and staff.totp_secret is None
    assert staff.session_version == version + 1
    assert session.scalars(select(RecoveryCode)).all() == []
    with pytest.raises(DomainError):
        new_recovery_codes(session, staff, now=clock())


def test_wrong_codes_count_as_failed_logins_until_the_account_locks(
    session: Session, staff: User, clock: FrozenClock
) -> None:
    now = clock()
    for _ in range(MAX_PER_EMAIL):
        check = check_second_factor(
            session, staff, wrong_code(now), remote_addr="192.0.2.1", now=now
        )
        assert check == CodeCheck.WRONG
    assert _failures(session, staff) == MAX_PER_EMAIL
    # Locked: even the right code, from another address, is refused unread.
    right = code_at(now)
    assert check_second_factor(session, staff, right, remote_addr="198.51.100.7", now=now) is None
    assert check_code(session, staff, right, now=now) == CodeCheck.TOTP  # it was not used


def test_a_replayed_code_is_refused_but_not_counted_as_a_guess(
    session: Session, staff: User, clock: FrozenClock
) -> None:
    now, right = clock(), code_at(clock())
    assert check_second_factor(session, staff, right, remote_addr="192.0.2.1", now=now).accepted
    for _ in range(MAX_PER_EMAIL + 1):
        replay = check_second_factor(session, staff, right, remote_addr="192.0.2.1", now=now)
        assert replay == CodeCheck.REPLAYED
    assert _failures(session, staff) == 0


def _failures(session: Session, user: User) -> int:
    stmt = select(LoginAttempt).where(LoginAttempt.email == user.email)
    return len(session.scalars(stmt).all())
