"""Portal accounts: the public access requests, staff decisions on them, and opening
accounts for client people and the firm's staff (each sent a set-password link)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ivr.phones import to_e164
from ticketing.accounts.credentials import (
    issue_link,
    normalize_email,
    user_by_email,
)
from ticketing.accounts.emails import access_exists, rejection
from ticketing.accounts.models import (
    AccessRequest,
    AccessRequestStatus,
    TokenPurpose,
    User,
    UserRole,
)
from ticketing.directory import client_by_account
from ticketing.errors import DomainError, NotFound
from ticketing.firm import Firm
from ticketing.models import Contact, OutboxKind
from ticketing.outbox import enqueue_email

# The rejection email quotes the reason; the console's field allows this much.
MAX_REASON = 500


@dataclass(frozen=True)
class Issued:
    """A user who was sent a set-password link (the link, for staff without mail)."""

    user: User
    link: str


def submit_access_request(
    session: Session,
    *,
    name: str,
    company: str,
    email: str,
    phone: str,
    message: str,
    now: datetime,
    firm: Firm,
) -> AccessRequest | None:
    """Keep a public request for staff to decide; None when nothing new was stored (an
    account already exists — its owner is told by email — or the same request waits)."""
    email = normalize_email(email)
    user = user_by_email(session, email)
    if user is not None and user.active:
        subject, body = access_exists(user, firm)
        key = f"access-exists:{user.id}:{now:%Y-%m-%d}"  # at most one such email a day
        enqueue_email(
            session, None, email, subject, body, key=key, now=now, kind=OutboxKind.ACCOUNT
        )
        return None
    waiting = session.scalar(
        select(AccessRequest.id).where(
            AccessRequest.email == email, AccessRequest.status == AccessRequestStatus.PENDING
        )
    )
    if waiting is not None:
        return None
    request = AccessRequest(
        name=name.strip(),
        company=company.strip(),
        email=email,
        phone=phone.strip(),
        message=message.strip(),
        created_at=now,
    )
    session.add(request)
    session.flush()
    return request


def pending_requests(session: Session) -> list[AccessRequest]:
    """Requests waiting for a decision, oldest first."""
    stmt = select(AccessRequest).where(AccessRequest.status == AccessRequestStatus.PENDING)
    return list(session.scalars(stmt.order_by(AccessRequest.created_at, AccessRequest.id)))


def _pending(session: Session, request_id: int) -> AccessRequest:
    request = session.get(AccessRequest, request_id)
    if request is None:
        raise NotFound(f"there is no access request #{request_id}")
    if request.status != AccessRequestStatus.PENDING:
        raise DomainError(f"access request #{request_id} was already {request.status}")
    return request


def approve_request(
    session: Session,
    request_id: int,
    *,
    account: str,
    admin: bool,
    billing: bool,
    now: datetime,
    firm: Firm,
    decided_by: str,
) -> Issued:
    """Create the requester's account in client `account` and email a set-password link."""
    request = _pending(session, request_id)
    issued = add_client_user(
        session,
        email=request.email,
        name=request.name,
        account=account,
        admin=admin,
        billing=billing,
        phone=request.phone,
        now=now,
        firm=firm,
    )
    request.approve(issued.user.id, now, decided_by)
    return issued


def reject_request(
    session: Session, request_id: int, *, reason: str, now: datetime, firm: Firm, decided_by: str
) -> AccessRequest:
    """Turn a request down and tell the requester politely."""
    if len(reason.strip()) > MAX_REASON:
        raise DomainError(f"the reason is at most {MAX_REASON} characters (it is emailed)")
    request = _pending(session, request_id)
    request.reject(now, decided_by)
    subject, body = rejection(reason.strip(), firm)
    key = f"access-rejected:{request.id}"
    enqueue_email(
        session, None, request.email, subject, body, key=key, now=now, kind=OutboxKind.ACCOUNT
    )
    return request


def _new_user(session: Session, email: str, name: str, role: UserRole) -> User:
    email = normalize_email(email)
    if not name.strip():
        raise DomainError("a user needs a name")
    if len(name.strip()) > 200:
        raise DomainError("a name has at most 200 characters")
    if user_by_email(session, email) is not None:
        raise DomainError(f"{email} already has an account")
    return User(email=email, name=name.strip(), role=role, active=True, session_version=1)


def _matching_contact(
    session: Session, client_id: int, phone: str | None, email: str
) -> int | None:
    # Linking the contact lets a user see the tickets their own phone calls opened.
    matches = [func.lower(Contact.email) == email]
    if phone:
        matches.append(Contact.phone == phone)
    stmt = select(Contact.id).where(Contact.client_id == client_id, or_(*matches))
    return session.scalar(stmt.order_by(Contact.id).limit(1))


def add_client_user(
    session: Session,
    *,
    email: str,
    name: str,
    account: str,
    admin: bool,
    billing: bool,
    now: datetime,
    firm: Firm,
    phone: str | None = None,
) -> Issued:
    """A person of client `account` (company administrator or user), sent a set-password
    link."""
    client = client_by_account(session, account)
    if client is None:
        raise NotFound(f"no client has account number {account}")
    role = UserRole.CLIENT_ADMIN if admin else UserRole.CLIENT_USER
    user = _new_user(session, email, name, role)
    user.client_id, user.can_view_billing, user.created_at = client.id, billing, now
    user.phone = to_e164(phone) if phone else None
    user.contact_id = _matching_contact(session, client.id, user.phone, user.email)
    session.add(user)
    session.flush()
    return Issued(user, issue_link(session, user, TokenPurpose.SET, now=now, firm=firm))


def add_staff_user(
    session: Session, *, email: str, name: str, admin: bool, now: datetime, firm: Firm
) -> Issued:
    """One of the firm's people (console), sent a set-password link."""
    user = _new_user(session, email, name, UserRole.ADMIN if admin else UserRole.STAFF)
    user.created_at = now
    session.add(user)
    session.flush()
    return Issued(user, issue_link(session, user, TokenPurpose.SET, now=now, firm=firm))
