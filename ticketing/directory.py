"""Clients, contacts and technicians: creating them and finding them by phone or account."""

from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, joinedload

from ivr.phones import to_e164
from ticketing.errors import DomainError, NotFound
from ticketing.models import Client, Contact, Technician

# The columns' sizes: longer text is refused here, not cut (nor a database error).
MAX_NAME = 200
MAX_EMAIL = 254


def valid_phone(raw: str) -> str:
    """The E.164 form of a number typed by staff, or a DomainError explaining why not."""
    e164 = to_e164(raw)
    if e164 is None:
        raise DomainError(f"{raw!r} is not a valid phone number (try +1 336 555 0123)")
    return e164


def add_client(
    session: Session,
    name: str,
    account_number: str,
    *,
    has_msa: bool = False,
    has_emergency_agreement: bool = False,
) -> Client:
    """Create a client company; the account number is what callers key in."""
    account_number = account_number.strip()
    # ASCII digits only: "²" is a digit to str.isdigit, but no phone has that key.
    digits = account_number.isascii() and account_number.isdigit()
    if not digits or not 3 <= len(account_number) <= 12:
        raise DomainError("an account number is 3 to 12 digits (callers key it in)")
    if not name.strip():
        raise DomainError("a client needs a name")
    if len(name.strip()) > MAX_NAME:
        raise DomainError(f"a client's name is at most {MAX_NAME} characters")
    if client_by_account(session, account_number) is not None:
        raise DomainError(f"account {account_number} already exists")
    client = Client(
        name=name.strip(),
        account_number=account_number,
        has_msa=has_msa,
        has_emergency_agreement=has_emergency_agreement,
    )
    session.add(client)
    session.flush()
    return client


def client_by_account(session: Session, account_number: str) -> Client | None:
    """The client with that account number, if any."""
    return session.scalar(select(Client).where(Client.account_number == account_number.strip()))


def add_contact(
    session: Session,
    account_number: str,
    name: str,
    phone: str,
    *,
    email: str | None = None,
    is_representative: bool = False,
) -> Contact:
    """Add a person to a client; their phone number identifies them when they call."""
    client = client_by_account(session, account_number)
    if client is None:
        raise NotFound(f"no client has account number {account_number}")
    if not name.strip():
        raise DomainError("a contact needs a name")
    if len(name.strip()) > MAX_NAME:
        raise DomainError(f"a contact's name is at most {MAX_NAME} characters")
    if len((email or "").strip()) > MAX_EMAIL:
        raise DomainError(f"an email address is at most {MAX_EMAIL} characters")
    contact = Contact(
        client_id=client.id,
        name=name.strip(),
        phone=valid_phone(phone),
        email=(email or "").strip() or None,
        is_representative=is_representative,
    )
    session.add(contact)
    session.flush()
    return contact


def contact_by_phone(session: Session, e164: str | None) -> Contact | None:
    """The active contact whose number called, preferring a client representative when shared.

    Someone who left, or whose company did, goes on as an unknown caller.
    """
    if not e164:
        return None
    # Whoever finds the caller names their company next: one query, not two.
    return session.scalar(contact_for_phone(e164).options(joinedload(Contact.client)))


def contact_for_phone(e164: str | None) -> Select[tuple[Contact]]:
    """The query `contact_by_phone` runs (at most one row), to fold into another statement."""
    return (
        select(Contact)
        .join(Contact.client)
        .where(Contact.phone == e164, Contact.active.is_(True), Client.active.is_(True))
        .order_by(Contact.is_representative.desc(), Contact.id)
        .limit(1)
    )


def representative_of(session: Session, client_id: int) -> Contact | None:
    """The client's active representative (who is told about their tickets)."""
    stmt = (
        select(Contact)
        .where(
            Contact.client_id == client_id,
            Contact.is_representative.is_(True),
            Contact.active.is_(True),
        )
        .order_by(Contact.id)
        .limit(1)
    )
    return session.scalar(stmt)


def add_technician(
    session: Session,
    name: str,
    phone: str,
    *,
    email: str | None = None,
    is_manager: bool = False,
) -> Technician:
    """Add a technician who can be put on call and paged."""
    if not name.strip():
        raise DomainError("a technician needs a name")
    if technician_by_name(session, name) is not None:
        raise DomainError(f"a technician named {name!r} already exists")
    tech = Technician(
        name=name.strip(),
        phone=valid_phone(phone),
        email=(email or "").strip() or None,
        is_manager=is_manager,
    )
    session.add(tech)
    session.flush()
    return tech


def technician_by_name(session: Session, name: str) -> Technician | None:
    """The technician with that name (case-insensitive)."""
    stmt = select(Technician).where(func.lower(Technician.name) == name.strip().lower())
    return session.scalar(stmt)
