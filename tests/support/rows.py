"""Reading back what the app committed in its own session."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

T = TypeVar("T")


def fresh(session: Session, obj: T) -> T:
    """`obj` as the database holds it now."""
    session.expire_all()
    found = session.get(type(obj), obj.id)  # type: ignore[attr-defined]
    assert found is not None, f"{type(obj).__name__} {obj.id} is gone"  # type: ignore[attr-defined]
    return found


def count_rows(session: Session, model: type[Any]) -> int:
    """How many rows of `model` the database holds."""
    return session.scalar(select(func.count()).select_from(model)) or 0
