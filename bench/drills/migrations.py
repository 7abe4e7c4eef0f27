"""Drill 5: migrations down and up again on a database full of data, with the real
command line (`intake db downgrade REV`, `intake db upgrade`).

The data: the demo directory and portal (months of tickets, invoices, agreements, logins)
plus emergency calls played through the running service and paged through the fake
Twilio. Then, with web and scheduler stopped, each downgrade one revision at a time must
keep every row of every table it keeps, the upgrade back to head must return the same
rows, and down to base and up again must run clean. Tables a downgrade drops lose their
rows with them: the drill names them and the rows they held."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime

from alembic.script import ScriptDirectory
from sqlalchemy import func, inspect, select, table, text

from bench.drills.support import (
    CALLERS,
    DrillResult,
    call_sid,
    drill_team,
    pages_of,
    play_call,
    rotate_primary,
    say,
    wait_until,
)
from bench.harness import ROOT, Stack
from intake.db import Database, alembic_config
from sandbox.demo.seed import DEMO_ADMIN, seed_portal
from ticketing.accounts.credentials import user_by_email
from ticketing.models import OutboxStatus


def drill_migrations(stack: Stack, *, quick: bool) -> DrillResult:
    """Run drill 5 on the drills' stack, after the others: it stops web and scheduler."""
    how = "in one command" if quick else "one revision at a time"
    result = DrillResult(
        fault=f"migrations: downgrade to the first revision {how}, upgrade to head, then "
        "down to base and up again, on a database full of data (`intake db`)",
        expected="no error; every table a downgrade keeps keeps all its rows and the key data "
        "(ticket numbers, clients, technicians) comes back unchanged at head",
    )
    drill_team(stack.database_url, 5, ["0s primary sms"])
    database = Database(stack.database_url)
    with database.transaction() as session:
        if user_by_email(session, DEMO_ADMIN) is None:
            seed_portal(session, datetime.now(UTC))
    sids = [call_sid(5, n) for n in range(3)]
    for n, sid in enumerate(sids):
        rotate_primary(stack.database_url, 5, n)  # paged at once, not a minute apart
        play_call(stack.base_url, sid, CALLERS[n % len(CALLERS)])
    wait_until(lambda: all(p.status == OutboxStatus.SENT for p in pages_of(database, sids)), 60)
    stack.stop("scheduler")
    stack.stop("web")
    database.engine.dispose()
    _round_trip(result, stack, database, one_step=not quick)
    return result


def _intake_db(stack: Stack, *args: str) -> None:
    done = subprocess.run(
        ["intake", "db", *args], cwd=ROOT, env=stack.env(), capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"intake db {' '.join(args)} failed:\n{done.stderr[-2000:]}")


def _counts(database: Database) -> dict[str, int]:
    with database.engine.connect() as conn:
        names = set(inspect(conn).get_table_names()) - {"alembic_version"}
        return {
            n: conn.execute(select(func.count()).select_from(table(n))).scalar_one() for n in names
        }


def _key_data(database: Database) -> list[object]:
    with database.engine.connect() as conn:
        return [
            conn.execute(text(sql)).all()
            for sql in (
                "SELECT id, service_class, opened_at FROM tickets ORDER BY id",
                "SELECT account_number, name, has_msa FROM clients ORDER BY 1",
                "SELECT name, phone FROM technicians ORDER BY 1",
            )
        ]


def _round_trip(result: DrillResult, stack: Stack, database: Database, *, one_step: bool) -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    revisions = [r.revision for r in reversed(list(script.walk_revisions()))]
    at_head, key = _counts(database), _key_data(database)
    rows = sum(at_head.values())
    say(f"drill 5: {rows} rows in {sum(n > 0 for n in at_head.values())} tables at head")
    changed, dropped = [], {}
    # --quick goes down to the first revision in one command instead of one at a time.
    steps = list(reversed(revisions[:-1])) if one_step else revisions[:1]
    for revision in steps:
        _intake_db(stack, "downgrade", revision)
        kept = _counts(database)
        changed += [f"{n} at {revision}" for n in kept if kept[n] != at_head.get(n)]
        dropped.update({n: at_head[n] for n in set(at_head) - set(kept) if at_head[n]})
        database.engine.dispose()
    key_low = _key_data(database)
    _intake_db(stack, "upgrade")
    back = _counts(database)
    restored = all(back[n] == at_head[n] for n in kept) and _key_data(database) == key
    database.engine.dispose()
    _intake_db(stack, "downgrade", "base")
    with database.engine.connect() as conn:
        emptied = set(inspect(conn).get_table_names()) <= {"alembic_version"}
    database.engine.dispose()
    _intake_db(stack, "upgrade")
    rebuilt = set(_counts(database)) == set(at_head)
    database.engine.dispose()
    lost = ", ".join(f"{n} ({c})" for n, c in sorted(dropped.items())) or "none"
    result.observed = (
        f"{len(steps)} downgrade command(s) to {revisions[0]} and the upgrade back with "
        f"{rows} rows: "
        f"{len(changed)} kept tables changed their row count; key data the same at the "
        f"first revision: {'yes' if key_low == key else 'NO'} and back at head: "
        f"{'yes' if restored else 'NO'}; base and up again: "
        f"{'clean' if emptied and rebuilt else 'FAILED'}"
    )
    result.passed = not changed and key_low == key and restored and emptied and rebuilt
    result.details += [
        f"rows lost only with the tables later revisions created (dropped going below them): "
        f"{lost}",
        *(f"row count changed: {c}" for c in changed),
    ]
