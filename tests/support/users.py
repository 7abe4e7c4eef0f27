"""Portal and console users: one builder for every test that needs someone to log in as."""

from __future__ import annotations

from functools import cache

from sqlalchemy.orm import Session

from tests.support.second_factor import ENROLLED_AT, TOTP_SECRET
from ticketing.accounts.credentials import hash_password
from ticketing.accounts.models import User, UserRole
from ticketing.models import Client, Contact

PASSWORD = "correct horse battery staple"


@cache
def _password_hash(password: str) -> str:
    # scrypt is slow on purpose: one hash per password serves every user of the run.
    return hash_password(password)


def make_user(
    session: Session,
    email: str,
    *,
    client: Client | None = None,
    role: str = "client_user",
    name: str | None = None,
    contact: Contact | None = None,
    billing: bool = False,
    password: str | None = PASSWORD,
    second_factor: bool | None = None,
) -> User:
    """A user of `client` (staff have none) who can log in with `password` (None: no password
    yet), named after their email unless `name` is given; committed, so the app sees it.
    Staff have a second factor with the tests' known secret unless `second_factor` is False
    (the console requires one); client people only when it is True."""
    if second_factor is None:
        second_factor = role in (UserRole.STAFF, UserRole.ADMIN)
    user = User(
        email=email.lower(),
        name=name or email.split("@")[0].title(),
        role=role,
        client_id=client.id if client is not None else None,
        contact_id=contact.id if contact is not None else None,
        can_view_billing=billing,
        password_hash=_password_hash(password) if password else None,
        active=True,
        session_version=1,
        totp_secret=TOTP_SECRET if second_factor else None,
        totp_confirmed_at=ENROLLED_AT if second_factor else None,
    )
    session.add(user)
    session.commit()
    return user
