"""The company's tickets: the list (filters, search, pages) and one ticket with its whole
timeline; on a ticket, the choice to apply pre-paid hours to it.

Tickets opened by phone calls are rows like any other, so they show here at once. A ticket
of another company, or one a user may not see, is a 404 whatever number is typed.
"""

from __future__ import annotations

from decimal import Decimal

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import HiddenField
from wtforms.validators import AnyOf

from portal_web import access, context, recordings
from portal_web.portal.blueprint import portal
from portal_web.ticket_search import (
    CLASSES,
    STATUSES,
    find_tickets,
    parse_filter,
)
from ticketing.accounts.models import User, UserRole
from ticketing.billing import retainer
from ticketing.errors import DomainError
from ticketing.models import Ticket
from ticketing.service_requests.models import ServiceRequest
from ticketing.timeline import client_events_of


class RetainerChoiceForm(FlaskForm):
    """Apply pre-paid hours to a ticket, or take that back."""

    choice = HiddenField(validators=[AnyOf(["apply", "undo"])])


def visible_ticket_or_404(number: int) -> Ticket:
    """Ticket #`number` if the logged-in user may see it, else 404."""
    stmt = access.visible_tickets(select(Ticket).where(Ticket.id == number), access.me())
    ticket = context.db().scalar(stmt)
    if ticket is None:
        abort(404)
    return ticket


def may_choose_retainer(user: User, ticket: Ticket) -> bool:
    """Company administrators, and the user who requested the ticket."""
    return user.role == UserRole.CLIENT_ADMIN or (
        ticket.requested_by_user_id is not None and ticket.requested_by_user_id == user.id
    )


@portal.get("/tickets")
@access.client_required
def tickets() -> ResponseReturnValue:
    """GET /portal/tickets: filters by status and class, search, 25 a page, newest first."""
    wanted = parse_filter(request.args)
    found = find_tickets(context.db(), access.me(), wanted)
    return render_template(
        "portal/tickets.html", found=found, wanted=wanted, statuses=STATUSES, classes=CLASSES
    )


@portal.get("/tickets/<int:number>")
@access.client_required
def ticket(number: int) -> ResponseReturnValue:
    """GET /portal/tickets/<number>: the ticket, its timeline, request and pre-paid hours."""
    found = visible_ticket_or_404(number)
    session = context.db()
    usage = retainer.usage_for_ticket(session, found.id)
    balance = retainer.balance(session, found.client_id or 0)
    return render_template(
        "portal/ticket.html",
        ticket=found,
        events=client_events_of(session, found.id),
        service_request=session.scalar(
            select(ServiceRequest).where(ServiceRequest.ticket_id == found.id)
        ),
        recording_src=recordings.player_src(found, "portal.recording"),
        further_players=recordings.further_players(found, "portal.recording"),
        usage=usage,
        drawn=sum((-entry.hours for entry in usage), Decimal("0.00")),
        balance=balance,
        may_choose=may_choose_retainer(access.me(), found),
        form=RetainerChoiceForm(),
    )


@portal.get("/tickets/<int:number>/recording")
@access.client_required
def recording(number: int) -> ResponseReturnValue:
    """GET /portal/tickets/<number>/recording: the caller's message, for the page's player."""
    return recordings.serve(visible_ticket_or_404(number))


@portal.post("/tickets/<int:number>/retainer")
@access.client_required
def apply_retainer(number: int) -> ResponseReturnValue:
    """POST: apply pre-paid hours to the ticket (or undo that while nothing was drawn)."""
    found = visible_ticket_or_404(number)
    user = access.me()
    if not may_choose_retainer(user, found):
        abort(403)
    form = RetainerChoiceForm()
    if not form.validate_on_submit():
        abort(400)
    apply = form.choice.data == "apply"
    session = context.db()
    try:
        retainer.choose(session, found, apply=apply, by=user.name, now=context.now())
    except DomainError as refused:
        session.rollback()
        flash(str(refused).capitalize() + ".", "error")
    else:
        session.commit()
        flash(
            "Pre-paid hours will be applied to this ticket."
            if apply
            else "Pre-paid hours will not be applied to this ticket."
        )
    return redirect(url_for("portal.ticket", number=number))
