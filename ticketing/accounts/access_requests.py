"""Portal accounts: the public access requests, staff decisions on them, and opening
accounts for client people and the firm's staff (each sent a set-password link)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ivr.phones import to_e164
from ticketing.accounts.access_limits import (
    DEFAULT_LIMITS,
    AccessLimits,
    address_key,
    admit,
)
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
from ticketing.accounts.staff_mail import access_request_notice, tell_staff
from ticketing.directory import client_by_account
from ticketing.errors import DomainError, NotFound
from ticketing.firm import Firm
from ticketing.models import Contact, OutboxKind
from ticketing.outbox import enqueue_email

# The rejection email quotes the reason; the console's field allows this much.
MAX_REASON = 500


class ContactLink(enum.StrEnum):
    """How a new client user is linked to a contact when staff name none."""

    BY_EMAIL = "by email"  # the contact of that client with the user's (proved) email
    NONE = "none"


BY_EMAIL, NO_CONTACT = ContactLink.BY_EMAIL, ContactLink.NONE
# A contact id chosen by staff, or one of the two rules above.
ContactChoice = int | ContactLink


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
    remote_addr: str | None = None,
    limits: AccessLimits = DEFAULT_LIMITS,
) -> AccessRequest | None:
    """Keep a public request for staff to decide; None when nothing new was stored (an
    account already exists — its owner is told by email — or the same request waits).
    AccessRequestsPaused, and nothing written, once the address or everyone sent too many."""
    email = normalize_email(email)
    who = address_key(remote_addr)
    admit(session, who, "access requests", now=now, limits=limits)
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
    subject, body = access_request_notice(request, firm)
    tell_staff(session, subject, body, key=f"access-request:{request.id}", now=now)
    return request


def pending_requests(session: Session) -> list[AccessRequest]:
    """Requests waiting for a decision, oldest first."""
    stmt = select(AccessRequest).where(AccessRequest.status == AccessRequestStatus.PENDING)
    return list(session.scalars(stmt.order_by(AccessRequest.created_at, AccessRequest.id)))


@dataclass(frozen=True)
class PendingPage:
    """One page of the requests waiting for a decision."""

    requests: list[AccessRequest]
    total: int
    page: int
    pages: int


def pending_page(session: Session, page: int, size: int) -> PendingPage:
    """Page `page` (from 1, clamped to the last) of the waiting requests, oldest first."""
    waiting = AccessRequest.status == AccessRequestStatus.PENDING
    total = session.scalar(select(func.count(AccessRequest.id)).where(waiting)) or 0
    pages = max((total + size - 1) // size, 1)
    page = min(max(page, 1), pages)
    stmt = (
        select(AccessRequest)
        .where(waiting)
        .order_by(AccessRequest.created_at, AccessRequest.id)
        .limit(size)
        .offset((page - 1) * size)
    )
    return PendingPage(list(session.scalars(stmt)), total, page, pages)


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
    contact: ContactChoice = BY_EMAIL,
) -> Issued:
    """Create the requester's account in client `account` and email a set-password link;
    `contact`: the contact staff chose, NO_CONTACT, or BY_EMAIL (the default)."""
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
        contact=contact,
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


def _linked_contact(
    session: Session, client_id: int, email: str, contact: ContactChoice
) -> int | None:
    # Linking a contact shows the user every ticket that contact's calls opened, so it is
    # never made on what a stranger typed: the phone number of a request is unverified,
    # while the email is proved by the set-password link sent to it.
    if contact == NO_CONTACT:
        return None
    if contact == BY_EMAIL:
        stmt = select(Contact.id).where(
            Contact.client_id == client_id, func.lower(Contact.email) == email
        )
        return session.scalar(stmt.order_by(Contact.id).limit(1))
    chosen = session.get(Contact, contact)
    if chosen is None or chosen.client_id != client_id:
        raise NotFound(f"the chosen client has no contact #{contact}")
    return chosen.id


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
    contact: ContactChoice = BY_EMAIL,
) -> Issued:
    """A person of client `account` (company administrator or user), sent a set-password
    link; linked to `contact` (a contact id, NO_CONTACT, or BY_EMAIL)."""
    client = client_by_account(session, account)
    if client is None:
        raise NotFound(f"no client has account number {account}")
    role = UserRole.CLIENT_ADMIN if admin else UserRole.CLIENT_USER
    user = _new_user(session, email, name, role)
    user.client_id, user.can_view_billing, user.created_at = client.id, billing, now
    user.phone = to_e164(phone) if phone else None
    user.contact_id = _linked_contact(session, client.id, user.email, contact)
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
