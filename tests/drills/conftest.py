"""Fixtures of the drills."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from tests.support.people import JANE_EMAIL
from tests.support.users import make_user
from ticketing.accounts.models import User


@pytest.fixture
def jane(session: Session, directory: dict[str, object]) -> User:
    """The bakery's company administrator, who logs in with PASSWORD."""
    return make_user(session, JANE_EMAIL, role="client_admin", client=directory["bakery"])
