"""The client's home page: open tickets, the latest emergencies and who acknowledged
them, the amount due on open invoices, pre-paid hours (warning at 80% used), and the
agreements in force."""

from __future__ import annotations

from decimal import Decimal

from flask import render_template
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select

from portal_web import access, context
from portal_web.portal.agreements import agreements_in_force
from portal_web.portal.blueprint import portal
from ticketing.accounts.models import UserRole
from ticketing.billing import retainer
from ticketing.billing.models import Invoice, InvoiceStatus, Payment
from ticketing.models import UNRESOLVED, ServiceClass, Ticket

HOME_TICKETS = 10
HOME_EMERGENCIES = 5


def open_tickets(limit: int = HOME_TICKETS) -> list[Ticket]:
    """The user's visible tickets that are not resolved, newest first."""
    stmt = select(Ticket).where(Ticket.status.in_(UNRESOLVED))
    stmt = access.visible_tickets(stmt, access.me()).order_by(
        Ticket.opened_at.desc(), Ticket.id.desc()
    )
    return list(context.db().scalars(stmt.limit(limit)))


def latest_emergencies(limit: int = HOME_EMERGENCIES) -> list[Ticket]:
    """The latest emergency tickets the user may see, newest first."""
    stmt = select(Ticket).where(Ticket.service_class == ServiceClass.EMERGENCY)
    stmt = access.visible_tickets(stmt, access.me()).order_by(
        Ticket.opened_at.desc(), Ticket.id.desc()
    )
    return list(context.db().scalars(stmt.limit(limit)))


def open_invoice_total(client_id: int) -> tuple[int, Decimal]:
    """How many invoices are issued and unpaid, and the amount still due on them."""
    issued = select(Invoice.id).where(
        Invoice.client_id == client_id, Invoice.status == InvoiceStatus.ISSUED
    )
    session = context.db()
    count, total = session.execute(
        select(func.count(Invoice.id), func.sum(Invoice.total)).where(Invoice.id.in_(issued))
    ).one()
    # A partial payment leaves an invoice open: only what is still owed is due.
    paid = session.scalar(select(func.sum(Payment.amount)).where(Payment.invoice_id.in_(issued)))
    due = Decimal(str(total or 0)) - Decimal(str(paid or 0))
    return count, due.quantize(Decimal("0.01"))


@portal.get("/")
@access.client_required
def home() -> ResponseReturnValue:
    """GET /portal/: open tickets, latest emergencies, money due, pre-paid hours, agreements."""
    user = access.me()
    client_id = user.client_id or 0
    is_admin = user.role == UserRole.CLIENT_ADMIN
    return render_template(
        "portal/home.html",
        tickets=open_tickets(),
        emergencies=latest_emergencies(),
        invoices=open_invoice_total(client_id) if access.can_see_billing(user) else None,
        hours=retainer.summary(context.db(), client_id),
        agreements=agreements_in_force(client_id, context.today()) if is_admin else None,
    )
