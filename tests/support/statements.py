"""Counting the SQL statements a piece of work sends, so that a test can pin what a webhook
costs (a lazy load or a flush too many then fails it)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event

# Transaction control: the tests' commits are savepoints, production's are not.
_CONTROL = ("BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT")


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """The statements sent on `engine` inside the block, each on one line, without
    transaction control."""
    sent: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        flat = " ".join(statement.split())
        if not flat.upper().startswith(_CONTROL):
            sent.append(flat)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", note)


def batched(sent: list[str]) -> list[str]:
    """The statements as PostgreSQL receives them: there a flush inserts the rows of one
    table in one statement (insertmanyvalues), where SQLite sends one a row when their ids
    come back, so a run of the same INSERT counts once."""
    return [
        s for n, s in enumerate(sent) if not (s.startswith("INSERT") and sent[n - 1 : n] == [s])
    ]


def shown(sent: list[str]) -> str:
    """The statements numbered, one a line, cut to 120 characters (for a failing assertion)."""
    return "\n".join(f"{n}. {s[:120]}" for n, s in enumerate(sent, 1))
