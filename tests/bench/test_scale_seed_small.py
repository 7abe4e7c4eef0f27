"""The scale benchmark's seeder and scenario on a small scale: the counts asked for, data
that hangs together as the app would have left it, and every timed page answering for the
seeded logins (so that neither rots between benchmark runs)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, select
from werkzeug.serving import make_server

from bench.scale.scenario import SCENARIO, log_in, run_scale
from bench.scale.seed import ScaleLogin, seed_scale
from intake.app import create_app
from intake.config import Settings
from intake.db import Database
from tests.support.wipe import empty_every_table
from ticketing.billing.models import Invoice, InvoiceLine, Payment, RetainerEntry, TimeEntry
from ticketing.models import Call, Client, Ticket, TicketEvent

pytestmark = pytest.mark.xdist_group("live")

CLIENTS, TICKETS, INVOICES = 5, 200, 40


@pytest.fixture(scope="module")
def seeded(engine: Engine, database_url: str) -> Iterator[ScaleLogin]:
    """A small scale seed, committed for real once for these tests, then emptied again
    (as wipe_database does; the seed is read-only for the tests)."""
    yield seed_scale(
        database_url, clients=CLIENTS, tickets=TICKETS, invoices=INVOICES, verbose=False
    )
    with engine.begin() as conn:
        empty_every_table(conn)


@contextmanager
def live_app(settings: Settings, database_url: str) -> Iterator[str]:
    """The app serving on a free loopback port; yields its base URL."""
    holder = {}
    server = make_server("127.0.0.1", 0, lambda env, start: holder["app"](env, start))
    base = f"http://127.0.0.1:{server.server_port}"
    database = Database(database_url)
    holder["app"] = create_app(settings.with_overrides(public_base_url=base), database=database)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base
    finally:
        server.shutdown()
        database.engine.dispose()


def test_the_seed_has_the_counts_asked_for(seeded: ScaleLogin, engine: Engine) -> None:
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Client)) == CLIENTS
        assert conn.scalar(select(func.count()).select_from(Ticket)) == TICKETS
        assert conn.scalar(select(func.count()).select_from(Invoice)) == INVOICES
        # Every ticket has a timeline; every phone ticket its call.
        without_events = select(func.count()).where(
            ~select(TicketEvent.id).where(TicketEvent.ticket_id == Ticket.id).exists()
        )
        assert conn.scalar(without_events) == 0
        phoned = select(func.count()).where(Ticket.source == "phone")
        assert conn.scalar(select(func.count()).select_from(Call)) == conn.scalar(phoned)
        assert conn.scalar(select(func.count()).select_from(TimeEntry)) > TICKETS // 2


def test_tickets_are_numbered_in_opening_order(seeded: ScaleLogin, engine: Engine) -> None:
    with engine.connect() as conn:
        rows = conn.execute(select(Ticket.id, Ticket.opened_at).order_by(Ticket.id)).all()
    ids = [row.id for row in rows]
    assert ids[0] >= 1001
    assert ids == list(range(ids[0], ids[0] + TICKETS))
    assert [row.opened_at for row in rows] == sorted(row.opened_at for row in rows)


def test_the_busiest_client_is_the_one_logged_in(seeded: ScaleLogin, engine: Engine) -> None:
    with engine.connect() as conn:
        per_client = conn.execute(
            select(Ticket.client_id, func.count()).group_by(Ticket.client_id)
        ).all()
        busiest = max(per_client, key=lambda row: row[1])[0]
        owners = conn.scalars(select(Ticket.client_id).where(Ticket.id.in_(seeded.ticket_ids)))
        assert set(owners) == {busiest}
        billed = conn.scalars(select(Invoice.client_id).where(Invoice.id.in_(seeded.invoice_ids)))
        assert set(billed) == {busiest}


def test_the_money_adds_up(seeded: ScaleLogin, engine: Engine) -> None:
    with engine.connect() as conn:
        line_sums = dict(
            conn.execute(
                select(InvoiceLine.invoice_id, func.sum(InvoiceLine.amount)).group_by(
                    InvoiceLine.invoice_id
                )
            ).all()
        )
        paid = dict(
            conn.execute(
                select(Payment.invoice_id, func.sum(Payment.amount)).group_by(Payment.invoice_id)
            ).all()
        )
        for invoice in conn.execute(select(Invoice)).all():
            assert Decimal(str(line_sums[invoice.id])) == invoice.total
            if invoice.status == "paid" and invoice.total > 0:
                assert Decimal(str(paid[invoice.id])) == invoice.total
        balances = conn.execute(
            select(RetainerEntry.client_id, func.sum(RetainerEntry.hours)).group_by(
                RetainerEntry.client_id
            )
        ).all()
        assert balances, "the busiest client has pre-paid hours"
        assert all(Decimal(str(hours)) >= 0 for _, hours in balances)
        # Billed time points at a line of an invoice of the ticket's own client.
        mismatched = (
            select(func.count())
            .select_from(TimeEntry)
            .join(InvoiceLine, TimeEntry.invoice_line_id == InvoiceLine.id)
            .join(Invoice, InvoiceLine.invoice_id == Invoice.id)
            .join(Ticket, TimeEntry.ticket_id == Ticket.id)
            .where(Invoice.client_id != Ticket.client_id)
        )
        assert conn.scalar(mismatched) == 0


def test_seeding_twice_is_refused(seeded: ScaleLogin, database_url: str) -> None:
    with pytest.raises(RuntimeError, match="already holds the scale seed"):
        seed_scale(database_url, clients=2, tickets=10, invoices=2, verbose=False)


def test_every_timed_page_answers_for_the_seeded_logins(
    seeded: ScaleLogin, settings: Settings, database_url: str, engine: Engine
) -> None:
    with live_app(settings, database_url) as base:
        figures = run_scale(base, seeded, samples=1)
        portal = log_in(base, seeded.portal_email, seeded.portal_password)
        tickets = portal.get(f"{base}/portal/tickets").text
        detail = portal.get(f"{base}/portal/tickets/{seeded.ticket_ids[0]}").text
        invoice = portal.get(f"{base}/portal/invoices/{seeded.invoice_ids[0]}").text
    with engine.connect() as conn:
        mine = conn.scalar(select(Ticket.client_id).where(Ticket.id == seeded.ticket_ids[0]))
        count = conn.scalar(select(func.count()).where(Ticket.client_id == mine))
        description = conn.scalar(
            select(Ticket.description).where(Ticket.id == seeded.ticket_ids[0])
        )
        number = conn.scalar(select(Invoice.number).where(Invoice.id == seeded.invoice_ids[0]))
    assert f"{count} tickets" in tickets
    assert str(description).split(" (ref")[0] in detail
    assert number in invoice
    # p50 and p95 of each of the 12 pages, the target on p95 only.
    assert len(figures) == 24
    assert {f.scenario for f in figures} == {SCENARIO}
    assert all(f.met is None for f in figures[::2])
    assert all(f.met is not None and f.target for f in figures[1::2])
