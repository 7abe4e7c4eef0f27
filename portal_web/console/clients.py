"""Console: client companies, their contacts (phones validated, shown in national format),
agreements and portal users, and the public access requests waiting for a decision.

Every change goes through ticketing (directory, accounts); a refusal rolls the request
back and the page says why.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import InstrumentedAttribute

from portal_web import access, context
from portal_web.changes import apply_change
from portal_web.console.blueprint import console
from ticketing.accounts.access_requests import (
    BY_EMAIL,
    NO_CONTACT,
    ContactChoice,
    approve_request,
    pending_page,
    reject_request,
)
from ticketing.accounts.models import User
from ticketing.billing.models import Agreement
from ticketing.billing.msa import set_msa
from ticketing.directory import add_client, add_contact
from ticketing.errors import DomainError
from ticketing.models import Client, Contact, Ticket, TicketStatus

# Each waiting request carries its own approval form; a flood of requests must not make
# the page unusable.
REQUESTS_PAGE_SIZE = 10


def _counts(column: InstrumentedAttribute[Any], *where: ColumnElement[bool]) -> dict[int, int]:
    """Rows per client id (`column`) of its table, among those matching `where`."""
    stmt = select(column, func.count()).where(*where).group_by(column)
    return {row[0]: row[1] for row in context.db().execute(stmt)}


def _checked(name: str) -> bool:
    return request.form.get(name) in ("on", "1", "true", "yes")


def _requests_page_number() -> int:
    raw = (request.args.get("requests_page") or "1").strip()
    # Beyond a few digits a "page number" is garbage, and int() of a huge string is slow.
    return int(raw) if raw.isdecimal() and len(raw) <= 6 else 1


def _contacts_by_client() -> dict[int, list[Contact]]:
    """Each client's contacts by name: staff pick the one a new portal user is."""
    found: dict[int, list[Contact]] = {}
    for contact in context.db().scalars(select(Contact).order_by(Contact.name, Contact.id)):
        found.setdefault(contact.client_id, []).append(contact)
    return found


def _clients_page(error: str | None = None) -> ResponseReturnValue:
    session = context.db()
    waiting = pending_page(session, _requests_page_number(), REQUESTS_PAGE_SIZE)
    html = render_template(
        "console/clients.html",
        clients=list(session.scalars(select(Client).order_by(Client.name))),
        contacts=_counts(Contact.client_id),
        open_tickets=_counts(Ticket.client_id, Ticket.status != TicketStatus.RESOLVED),
        waiting=waiting,
        client_contacts=_contacts_by_client() if waiting.requests else {},
        error=error,
        form=request.form.to_dict() if request.method == "POST" else {},
    )
    return html, 400 if error else 200


@console.get("/clients", endpoint="clients")
@access.staff_required
def clients_page() -> ResponseReturnValue:
    """GET /console/clients: companies, a form to add one, access requests to decide."""
    return _clients_page()


def _apply(
    change: Callable[[], str], page: Callable[[str], ResponseReturnValue], done: str
) -> ResponseReturnValue:
    """Run one change; commit and go to `done` on success, else roll back and show why."""
    return apply_change(
        change, redirect_to=done, render_on_error=lambda refused: page(str(refused))
    )


@console.post("/clients")
@access.staff_required
def clients_add() -> ResponseReturnValue:
    """POST /console/clients: name, account number, MSA and emergency agreement flags."""

    def change() -> str:
        client = add_client(
            context.db(),
            request.form.get("name", ""),
            request.form.get("account", ""),
            has_msa=_checked("msa"),
            has_emergency_agreement=_checked("emergency"),
        )
        if client.has_msa:
            set_msa(context.db(), client, True, today=context.today())
        return f"Client {client.name} (account {client.account_number}) added."

    return _apply(change, _clients_page, url_for("console.clients"))


def _contact_choice(raw: str) -> ContactChoice:
    """The approval form's contact: a contact id, "none", or empty (by email address)."""
    raw = raw.strip()
    if raw == NO_CONTACT:
        return NO_CONTACT
    if not raw or raw == BY_EMAIL:
        return BY_EMAIL
    if not raw.isdecimal() or len(raw) > 9:
        raise DomainError(f"{raw[:20]!r} is not one of the client's contacts")
    return int(raw)


@console.post("/access-requests/<int:request_id>/approve")
@access.staff_required
def access_approve(request_id: int) -> ResponseReturnValue:
    """POST: open the requester's account in the chosen client; the link goes by email."""

    def change() -> str:
        issued = approve_request(
            context.db(),
            request_id,
            account=request.form.get("account", ""),
            admin=_checked("admin"),
            billing=_checked("billing"),
            now=context.now(),
            firm=context.firm(),
            decided_by=access.me().name,
            contact=_contact_choice(request.form.get("contact", "")),
        )
        return f"Access approved: {issued.user.email} was emailed a set-password link."

    return _apply(change, _clients_page, url_for("console.clients"))


@console.post("/access-requests/<int:request_id>/reject")
@access.staff_required
def access_reject(request_id: int) -> ResponseReturnValue:
    """POST: turn the request down; the requester is told politely by email."""

    def change() -> str:
        rejected = reject_request(
            context.db(),
            request_id,
            reason=request.form.get("reason", ""),
            now=context.now(),
            firm=context.firm(),
            decided_by=access.me().name,
        )
        return f"Access request of {rejected.email} rejected."

    return _apply(change, _clients_page, url_for("console.clients"))


def _client_or_404(client_id: int) -> Client:
    client = context.db().get(Client, client_id)
    if client is None:
        abort(404)
    return client


def _client_page(client: Client, error: str | None = None) -> ResponseReturnValue:
    session = context.db()
    html = render_template(
        "console/client.html",
        client=client,
        contacts=list(
            session.scalars(
                select(Contact).where(Contact.client_id == client.id).order_by(Contact.name)
            )
        ),
        agreements=list(
            session.scalars(
                select(Agreement)
                .where(Agreement.client_id == client.id)
                .order_by(Agreement.starts_on.desc())
            )
        ),
        users=list(
            session.scalars(select(User).where(User.client_id == client.id).order_by(User.name))
        ),
        error=error,
        form=request.form.to_dict() if request.method == "POST" else {},
    )
    return html, 400 if error else 200


@console.get("/clients/<int:client_id>", endpoint="client")
@access.staff_required
def client_page(client_id: int) -> ResponseReturnValue:
    """GET /console/clients/<id>: contacts, agreements, portal users."""
    return _client_page(_client_or_404(client_id))


@console.post("/clients/<int:client_id>/contacts")
@access.staff_required
def client_add_contact(client_id: int) -> ResponseReturnValue:
    """POST /console/clients/<id>/contacts: name, phone (validated), email, representative."""
    client = _client_or_404(client_id)
    account = client.account_number

    def change() -> str:
        contact = add_contact(
            context.db(),
            account,
            request.form.get("name", ""),
            request.form.get("phone", ""),
            email=request.form.get("email"),
            is_representative=_checked("representative"),
        )
        return f"Contact {contact.name} added."

    def page(error: str) -> ResponseReturnValue:
        # The rollback expired the client: load it again for the page.
        return _client_page(_client_or_404(client_id), error)

    return _apply(change, page, url_for("console.client", client_id=client_id))
