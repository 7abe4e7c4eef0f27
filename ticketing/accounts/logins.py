"""Checking a login, and throttling password guessing by account and by address.

After 5 failures for one email, or 20 from one address, within 15 minutes, further
attempts are refused for 15 minutes. Refused attempts are not recorded, so a person
locked out does not extend the lock by trying again; a success erases nothing.

A wrong second-factor code counts as a failed login of its account, from its address:
the same limits make guessing six digits hopeless (at most 5 guesses per 30 minutes, each
right once in about 330,000), and locking an account stops its password too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from ticketing.accounts.credentials import verify_password
from ticketing.accounts.models import LoginAttempt, User
from ticketing.accounts.second_factor import CodeCheck, check_code

WINDOW = timedelta(minutes=15)
LOCK = timedelta(minutes=15)
MAX_PER_EMAIL = 5
MAX_PER_ADDRESS = 20


@dataclass(frozen=True)
class LoginResult:
    """The user when the password was right; `throttled` when the attempt was refused."""

    user: User | None
    throttled: bool = False


def _lock_end(times: list[datetime], limit: int) -> datetime | None:
    """When the latest lock set off by `limit` failures within WINDOW ends (times ascending)."""
    for last in range(len(times) - 1, limit - 2, -1):
        if times[last] - times[last - limit + 1] < WINDOW:
            return times[last] + LOCK
    return None


def _failures(session: Session, who: ColumnElement[bool], now: datetime) -> list[datetime]:
    stmt = (
        select(LoginAttempt.at)
        .where(who, LoginAttempt.succeeded.is_(False), LoginAttempt.at > now - WINDOW - LOCK)
        .order_by(LoginAttempt.at)
    )
    return list(session.scalars(stmt))


def throttled(session: Session, email: str, remote_addr: str, *, now: datetime) -> bool:
    """True while too many recent failures for this email or from this address lock it."""
    for who, limit in (
        (LoginAttempt.email == email, MAX_PER_EMAIL),
        (LoginAttempt.remote_addr == remote_addr, MAX_PER_ADDRESS),
    ):
        end = _lock_end(_failures(session, who, now), limit)
        if end is not None and end > now:
            return True
    return False


def authenticate(
    session: Session, email: str, password: str, *, remote_addr: str | None, now: datetime
) -> LoginResult:
    """Check an email and password, recording the attempt; refused while throttled."""
    email = (email or "").strip().lower()[:254]
    address = (remote_addr or "unknown")[:64]
    if throttled(session, email, address, now=now):
        return LoginResult(None, throttled=True)
    user = session.scalar(select(User).where(User.email == email))
    good = verify_password(user.password_hash if user else None, password)
    if user is None or not user.active:
        good = False
    session.add(LoginAttempt(email=email, remote_addr=address, at=now, succeeded=good))
    if user is None or not good:
        return LoginResult(None)
    user.last_login_at = now
    return LoginResult(user)


def check_second_factor(
    session: Session,
    user: User,
    code: str | None,
    *,
    remote_addr: str | None,
    now: datetime,
    enrolling: str | None = None,
) -> CodeCheck | None:
    """Check the code typed after the password (or of the `enrolling` secret, to confirm
    an enrolment); None while throttled. A wrong code is recorded as a failed login; a
    replayed one is not a guess."""
    address = (remote_addr or "unknown")[:64]
    if throttled(session, user.email, address, now=now):
        return None
    checked = check_code(session, user, code, now=now, enrolling=enrolling)
    if checked == CodeCheck.WRONG:
        session.add(LoginAttempt(email=user.email, remote_addr=address, at=now, succeeded=False))
    return checked
