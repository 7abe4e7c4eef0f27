"""Emails to the firm's staff about what the public pages bring in (an access request, a
question about a Master Services Agreement): one plain-text email to every active member
of staff, owed through the outbox in the transaction that stored what it reports."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing.accounts.models import AccessRequest, User, UserRole
from ticketing.firm import Firm
from ticketing.models import OutboxKind
from ticketing.outbox import enqueue_email


def staff_addresses(session: Session) -> list[tuple[int, str]]:
    """(id, email) of every active member of staff."""
    stmt = select(User.id, User.email).where(User.role == UserRole.STAFF, User.active)
    return [(user_id, email) for user_id, email in session.execute(stmt.order_by(User.id))]


def tell_staff(session: Session, subject: str, body: str, *, key: str, now: datetime) -> int:
    """Owe `subject`/`body` to every active member of staff, once per `key`; how many."""
    owed = 0
    for user_id, email in staff_addresses(session):
        if enqueue_email(
            session, None, email, subject, body, key=f"{key}:{user_id}", now=now,
            kind=OutboxKind.STAFF,
        ):  # fmt: skip
            owed += 1
    return owed


def access_request_notice(request: AccessRequest, firm: Firm) -> tuple[str, str]:
    """What staff read about a new access request (plain text: nothing is rendered)."""
    subject = f"Portal access requested: {request.name} ({request.company})"
    lines = [
        f"{request.name} of {request.company} asks for access to the client portal.",
        "",
        f"Email: {request.email}",
        f"Phone: {request.phone or '(none given)'}",
    ]
    if request.message:
        lines += ["", "Their message:", request.message]
    lines += ["", f"Approve or reject it in the console: {firm.link('/console/clients')}"]
    return subject, "\n".join(lines)
