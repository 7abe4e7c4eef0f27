"""The second login factor on the web: the half-logged-in state between a right password
and the code, the form that takes a code, and the enrolment's QR code.

The half-logged-in state is a note in the session (who, until when, where to go next),
not a Flask-Login login: every page but the code and enrolment pages treats its holder
as a stranger. It lasts PENDING_FOR; then the password is asked again.

A secret being enrolled waits in the session too, so that showing the QR code changes
nothing in the database and a reloaded page shows the same one; the first right code
stores it on the user. The person holding that session is the one enrolling.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import segno
from flask import session, url_for
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from portal_web import context
from ticketing.accounts.models import User
from ticketing.accounts.second_factor import MAX_CODE_LENGTH, new_secret, provisioning_uri

PENDING_FOR = timedelta(minutes=5)
_KEY = "second_factor_pending"
_ENROLLING = "second_factor_enrolling"


class CodeForm(FlaskForm):
    """A 6-digit code from the authenticator app, or a recovery code."""

    code = StringField(
        "Code",
        validators=[DataRequired("Type the code."), Length(max=MAX_CODE_LENGTH)],
    )


@dataclass(frozen=True)
class Pending:
    """Someone whose password was right, on their way to the second factor."""

    user: User
    remember: bool
    next_url: str | None


def hold(user: User, *, remember: bool, next_url: str | None) -> None:
    """Start the half-logged-in state in a new session (whatever the old one held is gone)."""
    session.clear()
    session[_KEY] = {
        "user": user.get_id(),
        "until": (context.now() + PENDING_FOR).timestamp(),
        "remember": remember,
        "next": next_url,
    }


def pending() -> Pending | None:
    """The half-logged-in person of this session, unless the state expired, or their
    account was deactivated or its sessions ended since."""
    note: Any = session.get(_KEY)
    if not isinstance(note, dict) or not isinstance(note.get("until"), int | float):
        return None
    if note["until"] <= context.now().timestamp():
        return None
    uid, _, version = str(note.get("user", "")).partition(":")
    user = context.db().get(User, int(uid)) if uid.isdigit() else None
    if user is None or not user.active or str(user.session_version) != version:
        return None
    return Pending(user, bool(note.get("remember")), note.get("next"))


def release() -> None:
    """End the half-logged-in state (the code was right, or the person starts again)."""
    session.pop(_KEY, None)


def page_for(user: User) -> str:
    """Where a half-logged-in person goes: the code page, or enrolment without a factor."""
    return url_for("auth.second_factor" if user.has_second_factor else "auth.enrol")


def enrolling_secret(user: User) -> str:
    """The secret `user` is setting up in this session (made on first use)."""
    note: Any = session.get(_ENROLLING)
    if not isinstance(note, dict) or note.get("user") != user.id or not note.get("secret"):
        note = {"user": user.id, "secret": new_secret()}
        session[_ENROLLING] = note
    return str(note["secret"])


def enrolled() -> None:
    """Forget the enrolling secret: it is the user's now."""
    session.pop(_ENROLLING, None)


def qr_image(user: User, secret: str) -> str:
    """The enrolment QR code as a data: URI (an SVG image; the CSP allows data: images)."""
    uri = provisioning_uri(secret, user.email, context.settings().firm_name)
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def spaced(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
