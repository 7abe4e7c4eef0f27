"""Console: people come and go. Technicians, contacts, clients and portal users are
edited, deactivated and reactivated here (never deleted); the technicians page lists who
can be paged. Every change goes through ticketing.people and so into the audit trail."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from portal_web import access, context
from portal_web.changes import apply_change
from portal_web.console.blueprint import console
from portal_web.console.clients import _client_page
from portal_web.console.staff import staff_list
from ticketing.accounts.models import User
from ticketing.billing.msa import set_msa
from ticketing.errors import DomainError
from ticketing.models import Client, Contact, Technician
from ticketing.oncall.gaps import describe_gaps
from ticketing.people.availability import choose
from ticketing.people.edits import (
    Person,
    edit_client,
    edit_contact,
    edit_technician,
    edit_user,
)
from ticketing.people.lifecycle import deactivate, reactivate

KINDS: dict[str, type[Person]] = {
    "technician": Technician,
    "contact": Contact,
    "client": Client,
    "user": User,
}


def _technicians_page(error: str | None = None) -> ResponseReturnValue:
    stmt = select(Technician).order_by(Technician.active.desc(), Technician.name)
    html = render_template(
        "console/technicians.html", technicians=list(context.db().scalars(stmt)), error=error
    )
    return html, 400 if error else 200


@console.get("/technicians", endpoint="technicians")
@access.staff_required
def technicians_page() -> ResponseReturnValue:
    """GET /console/technicians: who can be paged; edit, deactivate or reactivate them."""
    return _technicians_page()


def _person_or_404(kind: str, person_id: int) -> Person:
    model = KINDS.get(kind)
    person = context.db().get(model, person_id) if model else None
    if person is None:
        abort(404)
    return person


def _home(person: Person) -> tuple[str, Callable[[str], ResponseReturnValue]]:
    """Where the person is shown: the page to go back to, and how it shows a refusal."""
    if isinstance(person, Technician):
        return url_for("console.technicians"), _technicians_page
    client_id = person.id if isinstance(person, Client) else person.client_id
    client = context.db().get(Client, client_id) if client_id is not None else None
    if client is None:
        return url_for("console.staff"), staff_list
    return url_for("console.client", client_id=client.id), lambda e: _client_page(client, e)


def _field(name: str) -> str | None:
    """A typed field; absent means unchanged."""
    return request.form.get(name)


def _edit(person: Person) -> str:
    session = context.db()
    if isinstance(person, Technician):
        edit_technician(
            session, person, name=_field("name"), phone=_field("phone"), email=_field("email")
        )
    elif isinstance(person, Contact):
        edit_contact(
            session, person, name=_field("name"), phone=_field("phone"), email=_field("email")
        )
    elif isinstance(person, Client):
        edit_client(session, person, name=_field("name"))
        set_msa(session, person, request.form.get("msa") == "on", today=context.today())
    else:
        edit_user(session, person, name=_field("name"), phone=_field("phone"))
    return f"{person.name} was changed."


def _change(kind: str, person_id: int, change: Callable[[Person], str]) -> ResponseReturnValue:
    person = _person_or_404(kind, person_id)
    done, page = _home(person)
    return apply_change(
        lambda: change(person), redirect_to=done, render_on_error=lambda e: page(str(e))
    )


@console.post("/people/<kind>/<int:person_id>/edit", endpoint="person_edit")
@access.staff_required
def person_edit(kind: str, person_id: int) -> ResponseReturnValue:
    """POST: change a technician's, contact's, client's or user's details (a client's MSA)."""
    return _change(kind, person_id, _edit)


def _leave(person: Person) -> str:
    if person is access.me():
        raise DomainError("you cannot deactivate your own account; ask a colleague")
    change = deactivate(context.db(), person, now=context.now())
    if isinstance(person, Technician):
        return describe_gaps(person.name, change.gaps, context.business_tz())
    if isinstance(person, User):
        return f"{person.name} was deactivated and logged out everywhere."
    return f"{person.name} was deactivated."


@console.post("/people/<kind>/<int:person_id>/deactivate", endpoint="person_deactivate")
@access.staff_required
def person_deactivate(kind: str, person_id: int) -> ResponseReturnValue:
    """POST: deactivate someone; for a technician, the flash names the shifts left uncovered."""
    return _change(kind, person_id, _leave)


@console.post("/people/<kind>/<int:person_id>/reactivate", endpoint="person_reactivate")
@access.staff_required
def person_reactivate(kind: str, person_id: int) -> ResponseReturnValue:
    """POST: make someone active again."""
    return _change(
        kind, person_id, lambda p: f"{reactivate(context.db(), p).person.name} is active again."
    )


@console.post("/people/<kind>/<int:person_id>/availability", endpoint="technician_availability")
@access.staff_required
def technician_availability(kind: str, person_id: int) -> ResponseReturnValue:
    """POST: a technician available for help-desk callers, or away."""
    if kind != "technician":
        abort(404)

    def change(person: Person) -> str:
        assert isinstance(person, Technician)
        choose(person, request.form.get("availability", ""), now=context.now())
        return f"{person.name} is {person.availability} for the help desk."

    return _change(kind, person_id, change)
