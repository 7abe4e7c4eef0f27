"""People come and go: nobody is deleted, so history keeps naming them. An inactive
technician is never paged, an inactive contact (or any contact of an inactive client) is
not recognised when calling and gets no texts, and an inactive user cannot log in."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from ticketing.accounts.credentials import end_sessions
from ticketing.accounts.models import User
from ticketing.errors import DomainError
from ticketing.models import Technician
from ticketing.oncall.gaps import gaps_after
from ticketing.people.edits import Change, Person


def _leave(person: Person, now: datetime) -> None:
    if not person.active:
        raise DomainError(f"{person.name} is already inactive")
    person.active = False
    person.deactivated_at = now
    if isinstance(person, User):
        end_sessions(person)  # belt and braces: the loader refuses inactive users anyway


def deactivate(session: Session, person: Person, *, now: datetime) -> Change:
    """Make someone inactive from now on; for a technician, the shifts it leaves uncovered."""
    if isinstance(person, Technician):
        return Change(person, gaps_after(session, person, lambda: _leave(person, now), now=now))
    _leave(person, now)
    session.flush()
    return Change(person)


def reactivate(session: Session, person: Person) -> Change:
    """Make someone active again: a technician is back in their rotations and overrides."""
    if person.active:
        raise DomainError(f"{person.name} is already active")
    person.active = True
    person.deactivated_at = None
    session.flush()
    return Change(person)
