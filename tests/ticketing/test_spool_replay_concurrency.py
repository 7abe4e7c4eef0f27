"""Two replayers of one spool at once (a host's web processes and its scheduler), each in
its own committed transaction: one ticket per call, one page each, nothing raised, and the
file emptied."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from tests.support.people import DANA, JANE, MARIA
from tests.support.spool import spool_call
from ticketing.calls.spool import read_entries, spool_file
from ticketing.calls.spool_replay import replay_spool
from ticketing.directory import add_technician
from ticketing.models import Call, OutboxMessage, Ticket
from ticketing.oncall.roster import set_on_call

CALLS = 6


def test_two_replays_at_once_open_one_ticket_per_call_and_empty_the_file(
    engine, wipe_database, settings, clock
) -> None:
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    with factory.begin() as setup:
        add_technician(setup, "Dana Whitfield", DANA)
        set_on_call(setup, "Dana Whitfield", now=clock() - timedelta(hours=1))
    path = spool_file(settings.instance_path)
    sids = [f"CA{n:032x}" for n in range(CALLS)]
    for n, sid in enumerate(sids):
        spool_call(path, sid, (JANE, MARIA)[n % 2], clock() - timedelta(minutes=5))
    barrier = threading.Barrier(2)
    replayed: list[int] = []
    errors: list[BaseException] = []

    def replayer() -> None:
        try:
            barrier.wait(timeout=10)
            with factory.begin() as session:
                replayed.append(
                    replay_spool(session, clock(), path=path, calendar_settings=settings)
                )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=replayer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(replayed) == [0, 2 * CALLS]  # one applied every entry, the other none
    with factory() as check:
        per_call = check.execute(select(Call.call_sid, func.count()).group_by(Call.call_sid))
        assert dict(per_call.all()) == dict.fromkeys(sids, 1)
        assert check.scalar(select(func.count()).select_from(Ticket)) == CALLS
        pages = check.scalars(select(OutboxMessage.ticket_id)).all()
        assert sorted(pages) == sorted(check.scalars(select(Call.ticket_id)).all())
    assert read_entries(path).size == 0
