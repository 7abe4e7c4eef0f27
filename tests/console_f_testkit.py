"""Helpers for the console board, ticket and access tests (a plain module: a second
conftest.py would shadow tests/conftest.py)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask.testing import FlaskClient
from portal_auth_testkit import session_csrf_token
from portal_b_testkit import login, make_user, page, phone_emergency
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from ticketing.accounts.models import User
from ticketing.calls.models import QueueEntry
from ticketing.models import Call, OutboxMessage, Ticket, TicketEvent

STAFF_NAME = "Sam Okafor"
__all__ = ["page", "phone_emergency"]


def staff_user(session: Session, email: str = "sam@accelerando.example") -> User:
    """A staff member of the firm (no client)."""
    return make_user(session, None, email=email, name=STAFF_NAME, role="staff")


def as_staff(client: FlaskClient, session: Session) -> FlaskClient:
    """The test client, logged in as staff."""
    return login(client, staff_user(session))


def post(client: FlaskClient, path: str, data: dict[str, str] | None = None) -> TestResponse:
    """A form POST carrying the session's CSRF token, as the page's form would."""
    return client.post(path, data={**(data or {}), "csrf_token": session_csrf_token(client)})


def help_desk_caller(
    session: Session, client_id: int, number: str, sid: str, queued_at: datetime
) -> QueueEntry:
    """A business-hours caller waiting in the help-desk queue (ticket, call, queue row)."""
    ticket = Ticket(
        service_class="help_desk",
        client_id=client_id,
        caller_number=number,
        callback_number=number,
        description="Printer offline",
        opened_at=queued_at,
    )
    session.add(ticket)
    session.flush()
    session.add(
        Call(
            call_sid=sid,
            ticket_id=ticket.id,
            from_raw=number,
            caller_e164=number,
            started_at=queued_at - timedelta(minutes=1),
            classified_for=queued_at,
            service_class="help_desk",
            reason="business hours",
            in_business_hours=True,
            status="in-progress",
        )
    )
    entry = QueueEntry(call_sid=sid, ticket_id=ticket.id, queued_at=queued_at)
    session.add(entry)
    session.commit()
    return entry


def events(session: Session, ticket_id: int, kind: str | None = None) -> list[TicketEvent]:
    """The ticket's timeline as the database holds it now (optionally one kind)."""
    stmt = select(TicketEvent).where(TicketEvent.ticket_id == ticket_id)
    if kind:
        stmt = stmt.where(TicketEvent.kind == kind)
    return list(session.scalars(stmt.order_by(TicketEvent.id)))


def fresh(session: Session, obj: Any) -> Any:
    """`obj` re-read from the database (the app committed in its own session)."""
    session.expire_all()
    return session.get(type(obj), obj.id)


def outbox(session: Session, **where: Any) -> list[OutboxMessage]:
    """Outbox rows matching column=value filters, oldest first."""
    stmt = select(OutboxMessage).filter_by(**where).order_by(OutboxMessage.id)
    return list(session.scalars(stmt.execution_options(populate_existing=True)))
