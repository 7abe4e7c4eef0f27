"""Emptying the database after tests that commit for real."""

from __future__ import annotations

from sqlalchemy import Connection

from ticketing.orm import Base

# Tables whose rows a migration writes and the service only updates (the calendar's stamp).
MADE_BY_MIGRATIONS = {"calendar_stamp"}


def empty_every_table(conn: Connection) -> None:
    """Delete every row the tests may have committed, children first; the migrations' own
    rows stay."""
    for table in reversed(Base.metadata.sorted_tables):
        if table.name not in MADE_BY_MIGRATIONS:
            conn.execute(table.delete())
