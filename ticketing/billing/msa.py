"""The Master Services Agreement on file: the client's flag and its agreement rows agree."""

from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ticketing.billing.models import Agreement, AgreementKind
from ticketing.models import Client


def active_msa(session: Session, client: Client, today: date) -> Agreement | None:
    """The client's MSA in force today, if any (the newest when several overlap)."""
    stmt = (
        select(Agreement)
        .where(
            Agreement.client_id == client.id,
            Agreement.kind == AgreementKind.MSA,
            Agreement.starts_on <= today,
            or_(Agreement.ends_on.is_(None), Agreement.ends_on >= today),
        )
        .order_by(Agreement.starts_on.desc(), Agreement.id.desc())
        .limit(1)
    )
    return session.scalar(stmt)


def set_msa(session: Session, client: Client, on: bool, *, today: date) -> Agreement | None:
    """Put an MSA on file from today (unless one is in force) or end it today; the one on file."""
    current = active_msa(session, client, today)
    client.has_msa = on
    if on and current is None:
        current = Agreement(
            client_id=client.id,
            kind=AgreementKind.MSA,
            name="Master Services Agreement",
            starts_on=today,
        )
        session.add(current)
    elif on and current is not None:
        current.ends_on = None  # ended earlier today, taken back: in force again
    elif current is not None:
        # Agreements run through their last day: today is the MSA's last.
        current.ends_on = today
        current = None
    session.flush()
    return current
