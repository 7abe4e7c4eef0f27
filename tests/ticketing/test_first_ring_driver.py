"""On PostgreSQL the first webhook's statements go to the driver's own pooled connection in
autocommit (ticketing/calls/first_ring/driver.py): it goes back to the pool in a
transaction's mode, the driver's errors come out as SQLAlchemy's (a duplicate key is an
IntegrityError the webhook wrapper knows), and a connection found cut is not lent again."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import bindparam, delete, insert, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from intake.db import make_engine
from ticketing.calls.first_ring.driver import connection_for, execute, one_row
from ticketing.models import WebhookReceipt

KEY = "first-ring-driver-test"
_RECEIPT = insert(WebhookReceipt).values(
    key=bindparam("key"),
    path="/twilio/voice",
    status_code=200,
    body="<Response/>",
    created_at=bindparam("at"),
)


def no_session() -> Session:
    """On PostgreSQL the first ring opens no session: asking for one is a failure."""
    raise AssertionError("the first ring asked for a session on PostgreSQL")


@pytest.fixture
def pool_of_one(postgres_url):
    """An engine whose pool lends one connection: the next checkout gets the same one."""
    engine = make_engine(postgres_url, pool_size=1)
    engine.pool._max_overflow = 0  # type: ignore[attr-defined]
    yield engine
    with engine.begin() as conn:
        conn.execute(delete(WebhookReceipt).where(WebhookReceipt.key == KEY))
    engine.dispose()


def test_the_connection_goes_back_in_a_transactions_mode(pool_of_one) -> None:
    with connection_for(pool_of_one, no_session) as link:
        assert link.pooled is not None and link.pooled.driver_connection.autocommit
        assert one_row(link, select(text("1")), {}) == (1,)
    with pool_of_one.connect() as conn:
        assert conn.connection.driver_connection.autocommit is False
        conn.execute(text("CREATE TEMPORARY TABLE kept_until_rollback (n int)"))
        conn.rollback()  # in a transaction again: the table went with it
        assert conn.scalar(text("SELECT to_regclass('kept_until_rollback')")) is None


def test_a_duplicate_key_is_an_integrity_error(pool_of_one) -> None:
    values = {"key": KEY, "at": datetime.now(UTC)}
    with connection_for(pool_of_one, no_session) as link:
        execute(link, _RECEIPT, values)
        with pytest.raises(IntegrityError):
            execute(link, _RECEIPT, values)
    with pool_of_one.connect() as conn:
        # The first INSERT was its own transaction: kept although the second failed.
        stored = select(WebhookReceipt.key).where(WebhookReceipt.key == KEY)
        assert conn.scalars(stored).all() == [KEY]


def test_a_connection_cut_under_the_pool_is_not_lent_again(pool_of_one, engine) -> None:
    with pool_of_one.connect() as conn:
        cut_pid = conn.scalar(text("SELECT pg_backend_pid()"))
    with engine.connect() as admin:
        admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": cut_pid})
        admin.commit()
    # Lent again at once (no idle ping): the statement finds it cut.
    with (
        connection_for(pool_of_one, no_session) as link,
        pytest.raises(OperationalError) as failed,
    ):
        one_row(link, select(text("1")), {})
    assert failed.value.connection_invalidated
    with connection_for(pool_of_one, no_session) as link:
        assert one_row(link, select(text("pg_backend_pid()")), {})[0] != cut_pid
