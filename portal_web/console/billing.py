"""Billing in the console: unbilled time per client, recent invoices, the monthly run,
and issuing or voiding an invoice (the same domain calls as `intake billing ...`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from portal_web import access, context
from portal_web.changes import apply_change
from portal_web.console.blueprint import console
from ticketing.billing import monthly_run as billing_run
from ticketing.billing.models import Invoice, InvoiceStatus, TimeEntry
from ticketing.errors import DomainError, NotFound
from ticketing.models import Client, Ticket

RECENT_INVOICES = 50
NO_CLIENT = "(no client on the ticket)"


@dataclass(frozen=True)
class Unbilled:
    """One client's time not yet on an invoice."""

    client: str
    entries: int
    minutes: int
    oldest: datetime


def unbilled_time(session: Session) -> list[Unbilled]:
    """Unbilled time entries per client (tickets without a client grouped apart)."""
    stmt = (
        select(
            Client.name,
            func.count(TimeEntry.id),
            func.sum(TimeEntry.minutes),
            func.min(TimeEntry.started_at),
        )
        .join(Ticket, Ticket.id == TimeEntry.ticket_id)
        .outerjoin(Client, Client.id == Ticket.client_id)
        .where(TimeEntry.invoice_line_id.is_(None))
        .group_by(Client.id, Client.name)
        .order_by(func.min(TimeEntry.started_at))
    )
    return [
        Unbilled(name or NO_CLIENT, int(count), int(minutes or 0), oldest)
        for name, count, minutes, oldest in session.execute(stmt)
    ]


def recent_invoices(session: Session) -> list[Invoice]:
    """The newest invoices first, with their clients loaded."""
    stmt = (
        select(Invoice)
        .options(joinedload(Invoice.client))
        .order_by(Invoice.created_at.desc(), Invoice.id.desc())
        .limit(RECENT_INVOICES)
    )
    return list(session.scalars(stmt))


def _page(error: str | None = None, status: int = 400) -> ResponseReturnValue:
    session = context.db()
    html = render_template(
        "console/billing.html",
        unbilled=unbilled_time(session),
        invoices=recent_invoices(session),
        error=error,
        month=request.form.get("month", ""),
        draft=bool(request.form.get("draft")),
    )
    return html, status if error else 200


def _refused(error: DomainError) -> ResponseReturnValue:
    return _page(str(error), 404 if isinstance(error, NotFound) else 400)


def _apply(change: Callable[[Session], str]) -> ResponseReturnValue:
    """Run one billing change; commit and go back on success, else roll back and say why."""
    return apply_change(
        lambda: change(context.db()),
        redirect_to=url_for("console.billing"),
        render_on_error=_refused,
        code=303,
    )


def _run(session: Session, month: str, draft: bool) -> billing_run.RunReport:
    settings = context.settings()
    return billing_run.run_billing(
        session,
        month,
        now=context.now(),
        public_base_url=settings.public_base_url,
        timezone=settings.business_timezone,
        firm_name=settings.firm_name,
        draft=draft,
    )


def _issue(session: Session, number: str) -> Invoice:
    settings = context.settings()
    return billing_run.issue_invoice(
        session,
        number,
        now=context.now(),
        public_base_url=settings.public_base_url,
        timezone=settings.business_timezone,
        firm_name=settings.firm_name,
    )


def run_summary(report: billing_run.RunReport, draft: bool) -> str:
    """One line about what a run made (and what it left)."""
    if report.invoices:
        kind = InvoiceStatus.DRAFT if draft else InvoiceStatus.ISSUED
        numbers = ", ".join(invoice.number for invoice in report.invoices)
        text = f"Billing for {report.month}: {len(report.invoices)} invoice(s) {kind}: {numbers}."
    else:
        text = f"Billing for {report.month}: nothing new to bill."
    if report.skipped:
        text += " Skipped: " + "; ".join(report.skipped)
    return text


@console.get("/billing", endpoint="billing")
@access.staff_required
def billing_page() -> ResponseReturnValue:
    """GET /console/billing: unbilled time, recent invoices, the run form."""
    return _page()


@console.post("/billing/run", endpoint="billing_run")
@access.staff_required
def billing_run_month() -> ResponseReturnValue:
    """POST /console/billing/run: bill a finished month (issued, or drafts only)."""
    month = request.form.get("month", "")
    draft = bool(request.form.get("draft"))

    def run(session: Session) -> str:
        return run_summary(_run(session, month, draft), draft)

    return _apply(run)


@console.post("/billing/invoices/<number>/issue", endpoint="billing_issue")
@access.staff_required
def billing_issue(number: str) -> ResponseReturnValue:
    """POST: a draft invoice is numbered, issued and its copy emailed."""

    def issue(session: Session) -> str:
        return f"{number} issued as {_issue(session, number).number}."

    return _apply(issue)


@console.post("/billing/invoices/<number>/void", endpoint="billing_void")
@access.staff_required
def billing_void(number: str) -> ResponseReturnValue:
    """POST: void a draft or issued invoice; its time becomes unbilled again."""

    def void(session: Session) -> str:
        billing_run.void_invoice(session, number, now=context.now())
        return f"{number} voided; its time is unbilled again."

    return _apply(void)
