"""Timers survive crashes and a second scheduler: every due step fires, none twice."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from ticketing.directory import add_technician
from ticketing.models import OutboxMessage, Ticket
from ticketing.oncall.roster import set_on_call
from ticketing.paging.escalation import start_escalation, sweep_escalations
from ticketing.paging.models import Escalation


def _escalating_tickets(factory, clock, count: int) -> list[int]:
    with factory.begin() as setup:
        add_technician(setup, "Dana Whitfield", "+13365550101")
        add_technician(setup, "Luis Romero", "+13365550102")
        set_on_call(setup, "Dana Whitfield", now=clock())
        set_on_call(setup, "Luis Romero", now=clock(), role="secondary")
        ids = []
        for _ in range(count):
            ticket = Ticket(service_class="emergency")
            setup.add(ticket)
            setup.flush()
            start_escalation(setup, ticket, now=clock())
            ids.append(ticket.id)
    return ids


def _pages_by_step(factory) -> list[tuple[int, int | None, str]]:
    with factory() as check:
        rows = check.scalars(select(OutboxMessage).where(OutboxMessage.kind == "page"))
        return sorted((r.ticket_id, r.escalation_step, r.channel) for r in rows)


def test_scheduler_killed_mid_sweep_fires_the_step_on_restart(engine, wipe_database, clock):
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    [ticket_id] = _escalating_tickets(factory, clock, 1)
    clock.advance(timedelta(minutes=5))
    crashed = factory()
    assert sweep_escalations(crashed, clock()) == 1  # fired in memory ...
    crashed.rollback()  # ... and the process died before its commit
    crashed.close()
    assert _pages_by_step(factory) == [(ticket_id, 0, "sms")]
    clock.advance(timedelta(minutes=7))  # restarted 7 minutes later: two steps are due
    with factory.begin() as restarted:
        assert sweep_escalations(restarted, clock()) == 2
    assert _pages_by_step(factory) == [
        (ticket_id, 0, "sms"),
        (ticket_id, 1, "call"),
        (ticket_id, 2, "call"),
        (ticket_id, 2, "sms"),
    ]
    with factory.begin() as again:
        assert sweep_escalations(again, clock()) == 0


def test_two_schedulers_sweeping_at_once_fire_each_step_once(engine, wipe_database, clock):
    if engine.dialect.name != "postgresql":
        pytest.skip(
            "row locks (FOR UPDATE SKIP LOCKED) are a PostgreSQL matter; SQLite "
            "serialises writers, covered by the fencing test"
        )
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    ids = _escalating_tickets(factory, clock, 20)
    clock.advance(timedelta(minutes=5))
    barrier = threading.Barrier(2)
    fired: list[int] = []
    errors: list[BaseException] = []

    def scheduler() -> None:
        try:
            with factory.begin() as session:
                barrier.wait(timeout=10)
                fired.append(sweep_escalations(session, clock()))
        except BaseException as exc:  # surfaced below: a thread's failure must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sum(fired) == 20
    pages = _pages_by_step(factory)
    assert len(pages) == len(set(pages)) == 40  # step 0 (sms) and step 1 (call), once each
    assert {(t, s) for t, s, _ in pages} == {(i, 0) for i in ids} | {(i, 1) for i in ids}
    with factory() as check:
        assert {e.next_step for e in check.scalars(select(Escalation))} == {2}
