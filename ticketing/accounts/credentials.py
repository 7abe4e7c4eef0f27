"""Who someone is and how they prove it: email addresses, password hashes and rules, and
the one-time links that set or reset a password.

A link carries a random token; only its sha256 is stored, so a copy of the database
cannot be used to log in. The emails go through the outbox like every other notice.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from ticketing.accounts.emails import link_email
from ticketing.accounts.models import PasswordToken, TokenPurpose, User
from ticketing.errors import DomainError
from ticketing.firm import Firm
from ticketing.models import OutboxKind
from ticketing.outbox import enqueue_email

LINK_HOURS = {TokenPurpose.SET: 72, TokenPurpose.RESET: 1}
MIN_PASSWORD_LENGTH = 12
# Hashing a megabyte-long "password" would be a cheap way to load the server.
MAX_PASSWORD_LENGTH = 1024
# A reset form must not become a way to flood someone's inbox.
MAX_RESETS_PER_HOUR = 3
_EMAIL = re.compile(r"^[^@\s,;<>\"()\[\]]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


def normalize_email(raw: str | None) -> str:
    """The lower-case address, or a DomainError saying why it is not one."""
    email = (raw or "").strip().lower()
    if len(email) > 254 or not _EMAIL.match(email):
        raise DomainError(f"{(raw or '').strip()!r} is not an email address (name@example.com)")
    return email


def hash_password(password: str) -> str:
    """A salted scrypt hash (werkzeug's "scrypt:N:r:p$salt$hash" format)."""
    return generate_password_hash(password, method="scrypt")


@cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def verify_password(password_hash: str | None, password: str) -> bool:
    """True if `password` matches; without a hash the same work is done, then False,
    so that response times do not tell which accounts exist."""
    if len(password) > MAX_PASSWORD_LENGTH:
        return False
    if not password_hash:
        check_password_hash(_dummy_hash(), password)
        return False
    return check_password_hash(password_hash, password)


def password_problem(password: str, email: str) -> str | None:
    """Why `password` may not be used by the owner of `email`, or None if it may."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters."
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Use at most {MAX_PASSWORD_LENGTH} characters."
    if len(set(password)) == 1:
        return "Use more than one repeated character."
    if password.strip().lower() == email.strip().lower():
        return "Do not use your email address as your password."
    return None


def user_by_email(session: Session, email: str) -> User | None:
    """The user with that address (any case), if any."""
    return session.scalar(select(User).where(User.email == email.strip().lower()))


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_link(
    session: Session, user: User, purpose: TokenPurpose, *, now: datetime, firm: Firm
) -> str:
    """A new one-time link to set (72 h) or reset (1 h) the password, emailed to the user."""
    raw = secrets.token_urlsafe(32)
    hours = LINK_HOURS[purpose]
    token = PasswordToken(
        user_id=user.id,
        token_hash=_digest(raw),
        purpose=purpose,
        created_at=now,
        expires_at=now + timedelta(hours=hours),
    )
    session.add(token)
    session.flush()
    link = firm.link(f"/set-password/{raw}")
    subject, body = link_email(user, purpose, link, hours, firm)
    key = f"password-link:{token.id}"
    enqueue_email(
        session, None, user.email, subject, body, key=key, now=now, kind=OutboxKind.ACCOUNT
    )
    return link


def request_reset(session: Session, email: str, *, now: datetime, firm: Firm) -> None:
    """Email a reset link if an active account has that address; otherwise do nothing
    (the caller shows the same answer either way)."""
    user = user_by_email(session, email)
    if user is None or not user.active:
        return
    recent = session.scalar(
        select(func.count())
        .select_from(PasswordToken)
        .where(
            PasswordToken.user_id == user.id,
            PasswordToken.purpose == TokenPurpose.RESET,
            PasswordToken.created_at > now - timedelta(hours=1),
        )
    )
    if recent >= MAX_RESETS_PER_HOUR:
        return
    issue_link(session, user, TokenPurpose.RESET, now=now, firm=firm)


def usable_token(session: Session, raw: str, *, now: datetime) -> PasswordToken | None:
    """The token behind a link if it is unused, unexpired and its user active."""
    if not raw or len(raw) > 200:
        return None
    token = session.scalar(select(PasswordToken).where(PasswordToken.token_hash == _digest(raw)))
    if token is None or token.used_at is not None or token.expires_at <= now:
        return None
    return token if token.user.active else None


def set_password(session: Session, token: PasswordToken, password: str, *, now: datetime) -> User:
    """Use the link once: store the new hash, end every other session and other link."""
    user = token.user
    problem = password_problem(password, user.email)
    if problem:
        raise DomainError(problem)
    # Conditional updates, so that two submissions of one link cannot both succeed.
    claimed = session.execute(
        update(PasswordToken)
        .where(PasswordToken.id == token.id, PasswordToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise DomainError("This link was already used.")
    session.execute(
        update(PasswordToken)
        .where(PasswordToken.user_id == user.id, PasswordToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    token.used_at = now
    user.password_hash = hash_password(password)
    end_sessions(user)
    user.last_login_at = now
    return user


def end_sessions(user: User) -> None:
    """Every session and "keep me logged in" cookie of `user` stops working (log out,
    password change): the cookies are signed copies of the old session version."""
    user.session_version += 1
