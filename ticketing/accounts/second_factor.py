"""The second login factor: TOTP codes (RFC 6238, 6 digits every 30 s) and single-use
recovery codes.

A code is accepted one time step either side of now (phone clocks drift), and only once:
the step of the last accepted code is kept, and a code of that step or an earlier one is a
replay. Recovery codes are random, shown once, and kept as salted scrypt hashes.
Throttling wrong codes is the login throttle's (ticketing.accounts.logins).
"""

from __future__ import annotations

import enum
import hmac
import re
import secrets
from datetime import datetime

import pyotp
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from ticketing.accounts.credentials import end_sessions
from ticketing.accounts.models import RecoveryCode, User
from ticketing.errors import DomainError

RECOVERY_CODES = 10
# Ten characters of a 32-letter alphabet (50 random bits) need far less stretching than a
# person's password: a cheaper scrypt keeps checking ten of them under a second.
_RECOVERY_HASH = "scrypt:4096:8:1"
# No 0/O, 1/I/L: codes are copied from paper.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_SIX_DIGITS = re.compile(r"^\d{6}$")
MAX_CODE_LENGTH = 32


class CodeCheck(enum.StrEnum):
    """What a typed code turned out to be."""

    TOTP = "totp"
    RECOVERY = "recovery"
    # The right code of a step already used: someone saw it, or the form went twice.
    REPLAYED = "replayed"
    WRONG = "wrong"

    @property
    def accepted(self) -> bool:
        """The second factor is proven."""
        return self in (CodeCheck.TOTP, CodeCheck.RECOVERY)


def _clean(code: str | None) -> str:
    # People type spaces and dashes as their app shows them ("123 456", "abcd-efgh").
    return re.sub(r"[\s-]", "", code or "").lower()[:MAX_CODE_LENGTH]


def new_secret() -> str:
    """A fresh TOTP secret (base32, 160 bits) for someone setting up an app."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step (now, one before, one after) whose code `code` is, if any."""
    totp = pyotp.TOTP(secret)
    for offset in (0, -1, 1):
        if hmac.compare_digest(totp.at(now, counter_offset=offset), code):
            return totp.timecode(now) + offset
    return None


def _claim_step(session: Session, user: User, step: int) -> bool:
    """Record `step` as used unless it (or a later one) was: one UPDATE, so two requests
    racing with the same code cannot both win."""
    claimed = session.execute(
        update(User)
        .where(
            User.id == user.id,
            or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return False
    user.totp_last_step = step
    return True


def _use_recovery_code(session: Session, user: User, code: str, now: datetime) -> bool:
    unused = session.scalars(
        select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )
    for stored in unused:
        if check_password_hash(stored.code_hash, code):
            used = session.execute(
                update(RecoveryCode)
                .where(RecoveryCode.id == stored.id, RecoveryCode.used_at.is_(None))
                .values(used_at=now)
                .execution_options(synchronize_session=False)
            )
            stored.used_at = now
            return used.rowcount == 1
    return False


def check_code(
    session: Session,
    user: User,
    raw: str | None,
    *,
    now: datetime,
    enrolling: str | None = None,
) -> CodeCheck:
    """Check a TOTP code of the user's secret (or of the `enrolling` one, which it becomes
    the user's when right) or, once enrolled, a recovery code; an accepted one is used up."""
    code = _clean(raw)
    secret = enrolling or user.totp_secret
    if secret and _SIX_DIGITS.match(code):
        step = _matching_step(secret, code, now)
        if step is None:
            return CodeCheck.WRONG
        if not _claim_step(session, user, step):
            return CodeCheck.REPLAYED
        user.totp_secret = secret
        return CodeCheck.TOTP
    recovery = not enrolling and user.has_second_factor and code
    if recovery and _use_recovery_code(session, user, code, now):
        return CodeCheck.RECOVERY
    return CodeCheck.WRONG


def confirm_enrolment(session: Session, user: User, *, now: datetime) -> list[str]:
    """Turn the second factor on once a code of the enrolling secret was accepted
    (check_code with `enrolling`); the new recovery codes, to show once."""
    if not user.totp_secret or user.totp_last_step is None:
        raise DomainError("Type a code from the app to finish setting up two-step login.")
    user.totp_confirmed_at = now
    return new_recovery_codes(session, user, now=now)


def _recovery_code() -> str:
    chars = "".join(secrets.choice(_ALPHABET) for _ in range(10))
    return f"{chars[:5]}-{chars[5:]}"


def new_recovery_codes(session: Session, user: User, *, now: datetime) -> list[str]:
    """Replace the user's recovery codes with RECOVERY_CODES new ones (shown once)."""
    if not user.has_second_factor:
        raise DomainError("Set up two-step login first: recovery codes go with it.")
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_recovery_code() for _ in range(RECOVERY_CODES)]
    session.add_all(
        RecoveryCode(
            user_id=user.id,
            code_hash=generate_password_hash(_clean(code), method=_RECOVERY_HASH),
            created_at=now,
        )
        for code in codes
    )
    return codes


def recovery_codes_left(session: Session, user: User) -> int:
    """How many of the user's recovery codes are unused."""
    stmt = select(RecoveryCode.id).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
    )
    return len(list(session.scalars(stmt)))


def reset_second_factor(session: Session, user: User) -> None:
    """Remove the user's second factor and end their sessions: staff enrol again at their
    next login (a lost phone, someone leaving)."""
    user.totp_secret = None
    user.totp_confirmed_at = None
    user.totp_last_step = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    end_sessions(user)
