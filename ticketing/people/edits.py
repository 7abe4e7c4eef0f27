"""Editing people: finding a technician, contact, client or portal user by what staff
type, and changing their names, numbers and addresses."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ticketing.accounts.credentials import user_by_email
from ticketing.accounts.models import User
from ticketing.directory import MAX_EMAIL, MAX_NAME, client_by_account, valid_phone
from ticketing.errors import DomainError, NotFound
from ticketing.models import Client, Contact, Technician
from ticketing.oncall.gaps import Gap

Person = Technician | Contact | Client | User


@dataclass
class Change:
    """What an edit or (de)activation did: the person, and the shifts it left uncovered."""

    person: Person
    gaps: list[Gap] = field(default_factory=list)


def _name(name: str | None, what: str, limit: int = MAX_NAME) -> str | None:
    if name is None:
        return None
    if not name.strip():
        raise DomainError(f"a {what} needs a name")
    if len(name.strip()) > limit:
        raise DomainError(f"a {what}'s name is at most {limit} characters")
    return name.strip()


def _email(email: str | None) -> str | None:
    if email is None:
        return None
    if len(email.strip()) > MAX_EMAIL:
        raise DomainError(f"an email address is at most {MAX_EMAIL} characters")
    return email.strip() or None


def technician_named(session: Session, name: str) -> Technician:
    """The technician with that name (any case), or a NotFound saying so."""
    stmt = select(Technician).where(func.lower(Technician.name) == name.strip().lower())
    tech = session.scalar(stmt)
    if tech is None:
        raise NotFound(f"no technician named {name!r} (see `intake technicians list`)")
    return tech


def contact_named(session: Session, name: str, account: str | None = None) -> Contact:
    """The one contact with that name (at that client), or a refusal naming the choices."""
    stmt = select(Contact).where(func.lower(Contact.name) == name.strip().lower())
    if account is not None:
        stmt = stmt.where(Contact.client_id == client_account(session, account).id)
    found = list(session.scalars(stmt.order_by(Contact.id)))
    if not found:
        raise NotFound(f"no contact named {name!r}")
    if len(found) > 1:
        accounts = ", ".join(sorted({c.client.account_number for c in found}))
        raise DomainError(
            f"{len(found)} contacts are named {name!r} (accounts {accounts}): "
            "say which with --account"
        )
    return found[0]


def client_account(session: Session, account: str) -> Client:
    """The client with that account number, or a NotFound saying so."""
    client = client_by_account(session, account)
    if client is None:
        raise NotFound(f"no client has account number {account}")
    return client


def user_email(session: Session, email: str) -> User:
    """The portal user with that address, or a NotFound saying so."""
    user = user_by_email(session, email)
    if user is None:
        raise NotFound(f"no user has the address {email!r}")
    return user


def edit_technician(
    session: Session,
    tech: Technician,
    *,
    name: str | None = None,
    phone: str | None = None,
    email: str | None = None,
) -> Technician:
    """Change a technician's name, pager number or address (what is given)."""
    new_name = _name(name, "technician", 120)
    if new_name is not None and new_name.lower() != tech.name.lower():
        taken = session.scalar(
            select(Technician.id).where(func.lower(Technician.name) == new_name.lower())
        )
        if taken is not None:
            raise DomainError(f"a technician named {new_name!r} already exists")
    if phone is not None:
        tech.phone = valid_phone(phone)
    tech.name = new_name or tech.name
    if email is not None:
        tech.email = _email(email)
    session.flush()
    return tech


def edit_contact(
    session: Session,
    contact: Contact,
    *,
    name: str | None = None,
    phone: str | None = None,
    email: str | None = None,
) -> Contact:
    """Change a contact's name, the number they call from, or their address."""
    if phone is not None:
        contact.phone = valid_phone(phone)
    contact.name = _name(name, "contact") or contact.name
    if email is not None:
        contact.email = _email(email)
    session.flush()
    return contact


def edit_client(session: Session, client: Client, *, name: str | None = None) -> Client:
    """Change a client's name (the MSA goes through ticketing.billing.msa.set_msa)."""
    client.name = _name(name, "client") or client.name
    session.flush()
    return client


def edit_user(
    session: Session, user: User, *, name: str | None = None, phone: str | None = None
) -> User:
    """Change a portal user's name or phone number."""
    if phone is not None:
        user.phone = valid_phone(phone) if phone.strip() else None
    user.name = _name(name, "user") or user.name
    session.flush()
    return user
