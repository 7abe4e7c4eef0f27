"""Second-factor codes as an authenticator app shows them: the tests' known secret, codes
at the app's (frozen) clock, and enrolling a user straight in the database."""

from __future__ import annotations

from datetime import UTC, datetime

import pyotp
from flask import Flask
from sqlalchemy.orm import Session

from ticketing.accounts.models import User

# Base32, as pyotp.random_base32() makes them; every enrolled test user shares it.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
ENROLLED_AT = datetime(2026, 1, 5, 14, 0, tzinfo=UTC)


def app_now(app: Flask) -> datetime:
    """The app's clock (frozen in most tests)."""
    return app.extensions["clock"]()


def code_at(moment: datetime, secret: str = TOTP_SECRET, *, steps: int = 0) -> str:
    """The code the app shows at `moment` (`steps` time steps of 30 s later or earlier)."""
    return pyotp.TOTP(secret).at(moment, counter_offset=steps)


def current_code(app: Flask, secret: str = TOTP_SECRET, *, steps: int = 0) -> str:
    """The code the app shows now, by the web app's clock."""
    return code_at(app_now(app), secret, steps=steps)


def enrol(session: Session, user: User, secret: str = TOTP_SECRET) -> User:
    """Give `user` a confirmed second factor with `secret` (no recovery codes); committed."""
    user.totp_secret = secret
    user.totp_confirmed_at = ENROLLED_AT
    user.totp_last_step = None
    session.commit()
    return user


def wrong_code(moment: datetime, secret: str = TOTP_SECRET) -> str:
    """Six digits that are no code of `secret` near `moment` (a guess that fails)."""
    near = {code_at(moment, secret, steps=s) for s in (-1, 0, 1)}
    return next(c for c in (f"{n:06d}" for n in range(10**6)) if c not in near)
