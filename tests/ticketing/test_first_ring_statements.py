"""The first webhook's statements are built once per process, by one thread at a time.

SQLAlchemy adapts an aliased class's columns the first time they are asked for, and two
threads doing so at once can get the bare table's column instead: the read then joins
`webhook_receipts` a third time, unaliased, and finds one row per stored answer. A
gunicorn worker's threads take their first calls together, so this was a real failure:
every call answered with the apology until the worker restarted."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from ticketing.calls.first_ring.driver import built_once
from ticketing.calls.first_ring.reading import _reading

THREADS = 8


@pytest.fixture
def eager_switching() -> Iterator[None]:
    """Threads switch as often as the interpreter allows, so a race shows at once."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


def _together(call: Callable[[], object]) -> list[object]:
    """`call` from THREADS threads released at the same moment; what each got."""
    start = threading.Barrier(THREADS)
    got: list[object] = []

    def run() -> None:
        start.wait()
        got.append(call())

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return got


@pytest.mark.parametrize("postgres", [True, False], ids=["postgresql", "sqlite"])
def test_the_read_built_by_threads_at_once_joins_each_receipt_once(
    eager_switching: None, postgres: bool
) -> None:
    dialect = postgresql.psycopg.dialect() if postgres else sqlite.dialect()
    for _ in range(20):
        _reading.cache_clear()  # type: ignore[attr-defined]
        built = _together(lambda: _reading(postgres))
        assert all(statement is built[0] for statement in built)
        sql = str(built[0].compile(dialect=dialect))
        # Both aliases, and the table under no other name.
        assert sql.count("webhook_receipts") == 2, sql
        assert "webhook_receipts AS request_receipt" in sql
        assert "webhook_receipts AS step_receipt" in sql
    _reading.cache_clear()  # type: ignore[attr-defined]


def test_a_builder_runs_once_per_arguments_and_never_twice_at_once() -> None:
    running = 0
    most = 0
    calls: list[int] = []
    lock = threading.Lock()

    @built_once
    def build(shape: int) -> tuple[int]:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
            calls.append(shape)
        threading.Event().wait(0.01)
        with lock:
            running -= 1
        return (shape,)

    first = _together(lambda: build(1))
    second = _together(lambda: build(2))
    assert calls == [1, 2]
    assert most == 1
    assert all(got is first[0] for got in first)
    assert all(got == (2,) for got in second)
