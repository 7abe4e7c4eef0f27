"""Models of people who log in: client users, staff, access requests, password tokens,
second factors (TOTP secrets and recovery codes)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ticketing.orm import Base, StrEnumColumn, utcnow


class UserRole(enum.StrEnum):
    """What a person who logs in may see and do."""

    # All of the company's tickets, invoices, agreements, reports.
    CLIENT_ADMIN = "client_admin"
    # Their own tickets; invoices only with `can_view_billing`.
    CLIENT_USER = "client_user"
    # The firm's people, who use the console (never a client's portal).
    STAFF = "staff"
    ADMIN = "admin"


ROLES = tuple(role.value for role in UserRole)


class AccessRequestStatus(enum.StrEnum):
    """Where an access request stands: pending → approved | rejected."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class TokenPurpose(enum.StrEnum):
    """What a password link is for: a new account's first password, or a forgotten one."""

    SET = "set"
    RESET = "reset"


class User(Base):
    """Someone who logs in with email and password."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-case
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(20))
    role: Mapped[UserRole] = mapped_column(
        StrEnumColumn(UserRole, 16), default=UserRole.CLIENT_USER
    )
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    can_view_billing: Mapped[bool] = mapped_column(Boolean, default=False)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    deactivated_at: Mapped[datetime | None]
    # Bumped on password change: sessions made before it stop working.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # The second factor: a base32 TOTP secret, in force from the moment a first code
    # confirmed it. Kept as is, like the app's own SECRET_KEY: whoever reads the database
    # could read the session keys too.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_confirmed_at: Mapped[datetime | None]
    # The time step of the last accepted code: a code is good once (no replay).
    totp_last_step: Mapped[int | None] = mapped_column(Integer)

    client = relationship("Client")
    contact = relationship("Contact")

    @property
    def has_second_factor(self) -> bool:
        """A confirmed TOTP secret: a code is asked for after the password."""
        return self.totp_secret is not None and self.totp_confirmed_at is not None

    @property
    def must_have_second_factor(self) -> bool:
        """Staff reach the console only with a second factor; for clients it is optional."""
        return self.is_staff

    @property
    def may_enrol_second_factor(self) -> bool:
        """Staff, and company administrators who want it."""
        return self.is_staff or self.role == UserRole.CLIENT_ADMIN

    @property
    def is_staff(self) -> bool:
        """The firm's staff (console), not a client's person."""
        return self.role in (UserRole.STAFF, UserRole.ADMIN)

    # Flask-Login's user protocol (flask_login.UserMixin semantics), written by hand so
    # that ticketing does not import flask_login.
    @property
    def is_authenticated(self) -> bool:
        """A loaded User is always a logged-in person (anonymous users are another class)."""
        return True

    @property
    def is_active(self) -> bool:
        """Deactivated people cannot log in, and their sessions stop loading."""
        return self.active

    @property
    def is_anonymous(self) -> bool:
        """Never anonymous."""
        return False

    def get_id(self) -> str:
        """The session's user id: "<id>:<session_version>", so a password change ends the
        other sessions (portal_web.security's user_loader compares the version)."""
        return f"{self.id}:{self.session_version}"


class AccessRequest(Base):
    """The public "Request Access to Portal" form, waiting for staff to decide."""

    __tablename__ = "access_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    company: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), index=True)
    phone: Mapped[str] = mapped_column(String(40), default="")
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[AccessRequestStatus] = mapped_column(
        StrEnumColumn(AccessRequestStatus, 12), default=AccessRequestStatus.PENDING, index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(200))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    def approve(self, user_id: int, now: datetime, decided_by: str) -> None:
        """Staff said yes: the account `user_id` was made for the requester."""
        self._decide(AccessRequestStatus.APPROVED, now, decided_by)
        self.user_id = user_id

    def reject(self, now: datetime, decided_by: str) -> None:
        """Staff said no."""
        self._decide(AccessRequestStatus.REJECTED, now, decided_by)

    def _decide(self, status: AccessRequestStatus, now: datetime, decided_by: str) -> None:
        self.status, self.decided_at, self.decided_by = status, now, decided_by


class AccessRequestAttempt(Base):
    """One accepted submission of the public access form (stored or not), kept an hour to
    cap submissions per address and overall."""

    __tablename__ = "access_request_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    # An IPv4 address, or the /64 network of an IPv6 one (one subscriber's block).
    remote_addr: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class PasswordResetRequest(Base):
    """A "forgot password" submission waiting for the scheduler: the form only queues the
    address, so its answer takes the same time whether or not an account has it."""

    __tablename__ = "password_reset_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class PasswordToken(Base):
    """A one-time, time-limited link to set or reset a password (only its hash is kept)."""

    __tablename__ = "password_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[TokenPurpose] = mapped_column(StrEnumColumn(TokenPurpose, 8))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    user = relationship("User")


class LoginAttempt(Base):
    """One login try, kept to throttle guessing by account and by address."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    remote_addr: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False)


class RecoveryCode(Base):
    """A single-use code that stands in for a TOTP code (a lost phone); only its scrypt
    hash is kept, like a password's."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]
