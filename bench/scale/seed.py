"""Benchmark scenario 5's data: a database at scale (by default 1,000 clients, 100,000
tickets over three years with their calls, timelines and time, 20,000 invoices), loaded in
bulk from the model tables (COPY on PostgreSQL, Core executemany elsewhere).

Run it alone: `python -m bench.scale.seed DATABASE_URL [--clients N --tickets N --invoices N]`
on a database migrated to head.
"""

from __future__ import annotations

import argparse
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, select

from bench.scale.billing import Books, bill_all
from bench.scale.people import PASSWORD, STAFF_EMAIL, People, seed_people
from bench.scale.tickets import ZONE, TicketPlan, plan_tickets, write_tickets
from bench.scale.timeline import write_timeline
from bench.scale.writer import BulkWriter
from intake.db import make_engine
from ticketing.accounts.models import User
from ticketing.orm import Base

SEED = 5
DETAIL_TICKETS = 20
DETAIL_INVOICES = 10


@dataclass(frozen=True)
class ScaleLogin:
    """Who the scenario logs in as and which objects it opens."""

    portal_email: str  # admin of the busiest client
    portal_password: str
    staff_email: str  # a console user
    staff_password: str
    ticket_ids: tuple[int, ...]  # tickets of that client to open (detail pages)
    invoice_ids: tuple[int, ...]
    report_year: int


def seed_scale(
    database_url: str,
    *,
    clients: int = 1000,
    tickets: int = 100_000,
    invoices: int = 20_000,
    now: datetime | None = None,
    verbose: bool = True,
) -> ScaleLogin:
    """Bulk-load a database that is already migrated to head (fast: Core executemany, or
    COPY on PG)."""
    now = now or datetime.now(UTC)
    rng = random.Random(SEED)
    engine = make_engine(database_url)
    started = time.perf_counter()
    try:
        with engine.begin() as conn:
            _refuse_reseed(conn)
            writer = BulkWriter(conn, verbose=verbose)
            writer.say(f"seeding {clients:,} clients, {tickets:,} tickets, {invoices:,} invoices")
            people = seed_people(writer, rng, clients, now)
            plans = plan_tickets(rng, people, tickets, now)
            writer.say(f"planned {len(plans):,} tickets")
            write_tickets(writer, plans)
            write_timeline(writer, plans, people.policy_id)
            busiest = people.clients[0].id
            books = bill_all(writer, rng, plans, now, invoices, busiest)
            writer.finish(Base.metadata.sorted_tables)
            writer.say("committing")
        _analyze(engine)
    finally:
        engine.dispose()
    if verbose:
        print(f"  seeded in {time.perf_counter() - started:.1f} s", flush=True)
    return _login(people, plans, books, now)


def _refuse_reseed(conn: Connection) -> None:
    if conn.scalar(select(User.id).where(User.email == STAFF_EMAIL)) is not None:
        raise RuntimeError("this database already holds the scale seed: use a fresh one")


def _analyze(engine: Engine) -> None:
    """Fresh planner statistics and visibility map, as autovacuum would leave a live
    database (SQLite is left as the embedded default runs it: never analysed)."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM (ANALYZE)")


def _spread(values: list[int], count: int) -> tuple[int, ...]:
    """`count` values spread evenly over `values` (all of them if fewer)."""
    if len(values) <= count:
        return tuple(values)
    step = len(values) / count
    return tuple(values[int(i * step)] for i in range(count))


def _login(people: People, plans: list[TicketPlan], books: Books, now: datetime) -> ScaleLogin:
    busiest = people.clients[0].id
    mine = [p.id for p in plans if p.client.id == busiest]
    bills = [b.id for b in books.bills if b.client.id == busiest and not b.void]
    return ScaleLogin(
        portal_email=people.portal_email,
        portal_password=PASSWORD,
        staff_email=people.staff_email,
        staff_password=PASSWORD,
        ticket_ids=_spread(mine[::-1], DETAIL_TICKETS),
        invoice_ids=_spread(bills[::-1], DETAIL_INVOICES),
        report_year=now.astimezone(ZONE).year - 1,
    )


def main() -> None:
    """Seed the database named on the command line and print the login."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("database_url")
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--invoices", type=int, default=20_000)
    args = parser.parse_args()
    login = seed_scale(
        args.database_url, clients=args.clients, tickets=args.tickets, invoices=args.invoices
    )
    print(login)


if __name__ == "__main__":
    main()
