"""The firm's request forms: Help Desk Request, Professional Service Request (preferred
technician, up to five date/time windows, a limit on hours) and Request Emergency Help
Desk. Portal requests need no further work-order approval (the firm's promise).

Times are typed on the business wall clock. The domain (ticketing.service_requests) checks
every rule and writes nothing when it refuses, so the form is shown again with its message.
"""

from __future__ import annotations

from datetime import datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (
    DateTimeLocalField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    SelectField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional

from portal_web import access, context
from portal_web.portal.blueprint import portal
from ticketing.errors import DomainError
from ticketing.models import ServiceClass, Technician, TicketSource
from ticketing.service_requests.booking import submit_request
from ticketing.service_requests.checks import MAX_DESCRIPTION, MAX_WINDOWS
from ticketing.wallclock import local_instant

KINDS = {
    ServiceClass.HELP_DESK: "Help Desk Request",
    ServiceClass.PROFESSIONAL_SERVICE: "Professional Service Request",
    ServiceClass.EMERGENCY: "Request Emergency Help Desk",
}
DESCRIPTION = [InputRequired("Describe what you need."), Length(max=MAX_DESCRIPTION)]


class WindowForm(Form):
    """One preferred date/time window (a plain Form: the page's form holds the CSRF token)."""

    start = DateTimeLocalField("From", validators=[Optional()])
    end = DateTimeLocalField("To", validators=[Optional()])


class RequestForm(FlaskForm):
    """Help desk and emergency: what is needed, in the client's words."""

    description = TextAreaField("What do you need?", validators=DESCRIPTION)


class ProfessionalForm(RequestForm):
    """Professional service: also who, when and how many hours at most."""

    technician = SelectField("Preferred technician", choices=[], default="")
    windows = FieldList(FormField(WindowForm), min_entries=MAX_WINDOWS, max_entries=MAX_WINDOWS)
    hour_limit = DecimalField("Limit on hours", validators=[Optional()], places=2)


def _form_for(kind: str) -> RequestForm:
    if kind != ServiceClass.PROFESSIONAL_SERVICE:
        return RequestForm()
    form = ProfessionalForm()
    stmt = select(Technician.name).where(Technician.active.is_(True)).order_by(Technician.name)
    names = list(context.db().scalars(stmt))
    form.technician.choices = [("", "Any available technician")] + [(n, n) for n in names]
    return form


def windows_of(form: ProfessionalForm) -> list[tuple[datetime, datetime]]:
    """The filled-in windows as aware local moments; a half-filled one is a DomainError."""
    tz = context.business_tz()
    found = []
    for number, entry in enumerate(form.windows.entries, start=1):
        start, end = entry.form.start.data, entry.form.end.data
        if start is None and end is None:
            continue
        if start is None or end is None:
            raise DomainError(f"time window {number} needs both a start and an end")
        # Typed on the business wall clock: a time skipped by DST means the moment the
        # clocks jumped, a repeated one its first occurrence (as everywhere else).
        found.append((local_instant(start, tz), local_instant(end, tz)))
    return found


def _submit(kind: str, form: RequestForm) -> int:
    user = access.me()
    professional = isinstance(form, ProfessionalForm)
    result = submit_request(
        context.db(),
        client_id=user.client_id or 0,
        service_class=kind,
        description=form.description.data or "",
        preferred_technician=form.technician.data if professional else None,
        windows=windows_of(form) if professional else [],
        hour_limit=form.hour_limit.data if professional else None,
        requested_by=user.name,
        contact_id=user.contact_id,
        now=context.now(),
        source=TicketSource.PORTAL,
        timezone=context.business_tz(),
    )
    # "Users see their own tickets": the portal user who asked owns the ticket.
    result.ticket.requested_by_user_id = user.id
    if result.notice:
        flash(result.notice, "notice")
    return result.ticket.number


@portal.route("/requests/new", methods=["GET", "POST"])
@access.client_required
def new_request() -> ResponseReturnValue:
    """GET/POST /portal/requests/new?kind=help_desk|professional_service|emergency."""
    kind = request.args.get("kind") or ServiceClass.HELP_DESK
    if kind not in KINDS:
        abort(404)
    form = _form_for(kind)
    error = None
    if form.validate_on_submit():
        session = context.db()
        try:
            number = _submit(kind, form)
        except DomainError as refused:
            session.rollback()  # nothing half-saved, whatever the domain had begun
            error = str(refused)
        else:
            session.commit()
            flash(f"{KINDS[kind]} sent: ticket #{number}. No work-order approval is needed.")
            return redirect(url_for("portal.ticket", number=number))
    return render_template(
        "portal/request_form.html", form=form, kind=kind, kinds=KINDS, error=error
    )
