"""The console's payment worklist: tickets flagged "contact for payment" that nobody has
marked done yet, and marking one done (audited, noted on the ticket's timeline)."""

from __future__ import annotations

from flask import render_template, url_for
from flask.typing import ResponseReturnValue

from portal_web import access, context
from portal_web.changes import apply_change
from portal_web.console.blueprint import console
from portal_web.console.inputs import staff_name
from ticketing.billing.payment_contacts import mark_payment_contacted, payment_worklist
from ticketing.errors import DomainError, NotFound


def _page(error: str | None = None, status: int = 200) -> ResponseReturnValue:
    rows = payment_worklist(context.db())
    return render_template("console/payments.html", tickets=rows, error=error), status


def _refused(error: DomainError) -> ResponseReturnValue:
    return _page(str(error), 404 if isinstance(error, NotFound) else 400)


@console.get("/payments")
@access.staff_required
def payments() -> ResponseReturnValue:
    """GET /console/payments: flagged tickets whose client is still to be contacted."""
    return _page()


@console.post("/payments/<int:number>/done")
@access.staff_required
def payment_done(number: int) -> ResponseReturnValue:
    """POST /console/payments/<number>/done: the client was contacted about paying."""

    def change() -> str:
        mark_payment_contacted(context.db(), number, by=staff_name(), now=context.now())
        return f"Ticket #{number}: the client was contacted for payment."

    return apply_change(
        change, redirect_to=url_for("console.payments"), render_on_error=_refused, code=303
    )
