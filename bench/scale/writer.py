"""Bulk loading for the scale seed: rows as tuples streamed into a table, with COPY on
PostgreSQL and Core executemany elsewhere, and ids handed out by the seed itself (so that
children can point at their parents without reading anything back)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from itertools import islice
from typing import Any

from sqlalchemy import Connection, Table, func, select, text
from sqlalchemy.schema import AddConstraint, CreateIndex, DropConstraint, DropIndex

BATCH = 5_000


class BulkWriter:
    """Writes rows into model tables inside one connection's transaction."""

    def __init__(self, conn: Connection, *, verbose: bool = True) -> None:
        self.conn = conn
        self.postgres = conn.dialect.name == "postgresql"
        self.verbose = verbose
        self.counts: dict[str, int] = {}
        self.started = time.perf_counter()
        if self.postgres:
            conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")

    def next_id(self, table: Table, floor: int = 1) -> int:
        """The first free id of `table` (at least `floor`)."""
        top = self.conn.scalar(select(func.max(table.c.id)))
        return max(int(top or 0) + 1, floor)

    def write(self, table: Table, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> int:
        """Insert every row (a tuple in `columns` order); how many were written."""
        if not self.postgres:
            written = self._insert(table, columns, rows)
        else:
            # Building an index once, and checking foreign keys with one join, is far
            # cheaper than doing both row by row (the trigram indexes above all). DDL is
            # transactional: a seed that fails leaves the schema as it was.
            indexes = [index for index in table.indexes if index.name]
            keys = [key for key in table.foreign_key_constraints if key.name]
            for ddl in [*(DropConstraint(key) for key in keys), *(DropIndex(i) for i in indexes)]:
                self.conn.execute(ddl)
            written = self._copy(table, columns, rows)
            for ddl in [*(CreateIndex(i) for i in indexes), *(AddConstraint(key) for key in keys)]:
                self.conn.execute(ddl)
        self.counts[table.name] = self.counts.get(table.name, 0) + written
        self.say(f"{table.name}: {written:,} rows")
        return written

    def _copy(self, table: Table, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> int:
        raw = self.conn.connection.driver_connection
        names = ", ".join(columns)
        written = 0
        with raw.cursor() as cur, cur.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                written += 1
        return written

    def _insert(self, table: Table, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> int:
        written = 0
        iterator = iter(rows)
        while batch := list(islice(iterator, BATCH)):
            self.conn.execute(
                table.insert(), [dict(zip(columns, row, strict=True)) for row in batch]
            )
            written += len(batch)
        return written

    def finish(self, tables: Iterable[Table]) -> None:
        """Move each written table's id sequence past the ids written (PostgreSQL; SQLite's
        AUTOINCREMENT counter follows explicit ids by itself)."""
        if not self.postgres:
            return
        for table in tables:
            if "id" not in table.c or not self.counts.get(table.name):
                continue
            self.conn.execute(
                text(
                    "SELECT setval(pg_get_serial_sequence(:t, 'id'), "
                    f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table.name}), false)"
                ),
                {"t": table.name},
            )

    def say(self, message: str) -> None:
        """Progress, with the seconds since the seed started."""
        if self.verbose:
            print(f"  [{time.perf_counter() - self.started:6.1f} s] {message}", flush=True)
