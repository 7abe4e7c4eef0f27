"""The monthly billing run: one invoice per client with a line per ticket, issued and
emailed; nothing twice; void makes time unbilled again; months in the business zone; the
scheduler's sweep on the first business day."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests.support.billing import add_agreement, money_of, work
from tests.support.moments import NY
from tests.support.tickets import add_ticket
from ticketing.billing import retainer
from ticketing.billing.models import Invoice, TimeEntry
from ticketing.billing.monthly_run import (
    first_business_day,
    issue_invoice,
    local_month,
    monthly_billing,
    run_billing,
    void_invoice,
)
from ticketing.billing.time_entries import log_time
from ticketing.calendar.days import business_calendar
from ticketing.errors import DomainError
from ticketing.models import OutboxMessage

D = Decimal
URL = "https://intake.example.com"


def run(session, clock, month: str = "2026-11", **kw):
    return run_billing(
        session, month, now=clock(), public_base_url=URL, timezone="America/New_York",
        firm_name="Accelerando", **kw,
    )  # fmt: skip


@pytest.fixture
def bakery(session, directory):
    directory["jane"].email = "jane@bakery.test"
    add_agreement(session, directory["bakery"], emergency="200.00")
    return directory["bakery"]


def _unbilled(session) -> int:
    stmt = select(func.count(TimeEntry.id)).where(TimeEntry.invoice_line_id.is_(None))
    return session.scalar(stmt) or 0


def test_one_invoice_per_client_with_a_line_per_ticket(session, bakery, directory, clock):
    dana = directory["dana"]
    night = add_ticket(session, bakery)
    desk = add_ticket(session, bakery, "help_desk")
    diner = add_ticket(session, directory["diner"], "help_desk")
    work(session, night, dana, "2026-11-03 22:00", 20, clock())
    work(session, night, dana, "2026-11-04 06:30", 20, clock())
    work(session, desk, dana, "2026-11-12 10:00", 44, clock())
    work(session, diner, dana, "2026-11-20 10:00", 16, clock())

    report = run(session, clock)

    bakery_invoice, diner_invoice = report.invoices
    assert bakery_invoice.client_id == bakery.id and bakery_invoice.period == "2026-11"
    assert bakery_invoice.status == "issued" and bakery_invoice.number.startswith("INV-2026-")
    night_line, desk_line = bakery_invoice.lines
    assert night_line.description == f"Ticket #{night.number} — Emergency — 1.00 h (minimum 1 h)"
    assert money_of(night_line) == (D("1.00"), D("200.00"), D("200.00"))
    assert money_of(desk_line) == (D("0.75"), D("120.00"), D("90.00"))
    assert bakery_invoice.total == D("290.00") and isinstance(bakery_invoice.total, Decimal)
    assert money_of(diner_invoice.lines[0]) == (D("0.50"), D("110.00"), D("55.00"))
    assert diner.payment_contact
    assert _unbilled(session) == 0
    entries = session.scalars(select(TimeEntry).where(TimeEntry.ticket_id == night.id)).all()
    assert {e.invoice_line_id for e in entries} == {night_line.id}
    mail = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "invoice")).all()
    assert [m.to_address for m in mail] == ["jane@bakery.test"]


def test_running_twice_makes_nothing_twice(session, bakery, directory, clock) -> None:
    ticket = add_ticket(session, bakery, "help_desk")
    work(session, ticket, directory["dana"], "2026-11-12 10:00", 30, clock())
    assert len(run(session, clock).invoices) == 1
    again = run(session, clock)
    assert again.invoices == [] and again.skipped == []
    assert session.scalar(select(func.count(Invoice.id))) == 1


def test_late_entries_wait_for_the_next_month(session, bakery, directory, clock) -> None:
    ticket = add_ticket(session, bakery, "help_desk")
    work(session, ticket, directory["dana"], "2026-11-12 10:00", 30, clock())
    [first] = run(session, clock).invoices
    work(session, ticket, directory["luis"], "2026-11-30 16:00", 15, clock())  # logged late
    again = run(session, clock)
    assert again.invoices == [] and "late entries go on the next month's run" in again.skipped[0]
    with pytest.raises(DomainError, match="not over yet"):
        run(session, clock, "2026-12")
    clock.set(datetime(2027, 1, 4, 9, tzinfo=NY))
    [december] = run(session, clock, "2026-12").invoices
    assert december.period == "2026-12" and december.lines[0].quantity == D("0.25")
    assert first.status == "issued" and _unbilled(session) == 0


def test_void_makes_time_unbilled_and_a_rerun_bills_it(session, bakery, directory, clock):
    retainer.purchase(session, bakery.id, D("1.00"), None, "1 hour", clock())
    ticket = add_ticket(session, bakery, apply=True)
    work(session, ticket, directory["dana"], "2026-11-10 21:00", 120, clock())
    [invoice] = run(session, clock).invoices
    prepaid, billed = invoice.lines
    assert (prepaid.quantity, billed.quantity) == (D("1.00"), D("1.33"))
    assert invoice.total == D("266.00")  # 1.33 h x 200.00
    assert retainer.balance(session, bakery.id) == D("0.00")

    void_invoice(session, invoice.number, now=clock())
    assert invoice.status == "void" and _unbilled(session) == 1
    assert retainer.balance(session, bakery.id) == D("1.00")  # the hours drawn are back
    with pytest.raises(DomainError, match="void"):
        void_invoice(session, invoice.number, now=clock())

    [again] = run(session, clock).invoices
    assert again.id != invoice.id and again.total == D("266.00")
    assert _unbilled(session) == 0


def test_draft_then_issue(session, bakery, directory, clock) -> None:
    ticket = add_ticket(session, bakery, "professional_service")
    work(session, ticket, directory["dana"], "2026-11-12 10:00", 90, clock())
    [draft] = run(session, clock, draft=True).invoices
    assert draft.status == "draft" and draft.number.startswith("DRAFT-")
    assert draft.total == D("240.00")  # 1.50 h x 160.00
    other = add_ticket(session, bakery, "help_desk")
    work(session, other, directory["dana"], "2026-11-13 10:00", 15, clock())
    [same] = run(session, clock, draft=True).invoices  # added to the draft
    assert same.id == draft.id and len(same.lines) == 2 and same.total == D("270.00")

    issued = issue_invoice(
        session, draft.number, now=clock(), public_base_url=URL, timezone=None, firm_name=None
    )
    assert issued.status == "issued" and issued.number == f"INV-2026-{draft.id:05d}"
    assert issued.issued_on == date(2026, 12, 5)
    with pytest.raises(DomainError, match="not a draft"):
        issue_invoice(
            session, issued.number, now=clock(), public_base_url=URL, timezone=None, firm_name=None
        )


def test_months_are_cut_in_the_business_time_zone(session, bakery, directory, clock) -> None:
    ticket = add_ticket(session, bakery, "help_desk")
    late_evening = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)  # Nov 30, 22:00 in New York
    assert local_month(late_evening, "America/New_York") == "2026-11"
    log_time(
        session, ticket, directory["dana"], started_at=late_evening, minutes=30,
        logged_by="x", now=clock(),
    )  # fmt: skip
    [invoice] = run(session, clock, "2026-11").invoices
    assert invoice.lines[0].quantity == D("0.50")


def test_no_client_on_the_ticket_is_reported(session, directory, clock) -> None:
    ticket = add_ticket(session, None)
    work(session, ticket, directory["dana"], "2026-11-10 21:00", 30, clock())
    report = run(session, clock)
    assert report.invoices == [] and report.skipped == [
        f"#{ticket.number}: no client on the ticket"
    ]


def test_first_business_day_follows_the_calendar(session, settings) -> None:
    calendar = business_calendar(session, settings)
    assert first_business_day(calendar, date(2026, 12, 1)) == date(2026, 12, 1)
    assert first_business_day(calendar, date(2027, 1, 1)) == date(2027, 1, 4)  # holiday, weekend
    assert first_business_day(calendar, date(2026, 11, 1)) == date(2026, 11, 2)  # a Sunday


def test_the_sweep_bills_the_previous_month_once(session, bakery, directory, settings, clock):
    ticket = add_ticket(session, bakery, "help_desk")
    work(session, ticket, directory["dana"], "2026-11-12 10:00", 30, clock())

    def sweep(local: str):
        at = datetime.strptime(local, "%Y-%m-%d %H:%M").replace(tzinfo=NY)
        return monthly_billing(
            session, at, calendar_settings=settings, public_base_url=URL, firm_name="Accelerando"
        )

    assert sweep("2026-12-01 05:59") is None  # the first business day, before 06:00
    report = sweep("2026-12-01 06:00")
    assert report is not None and len(report.invoices) == 1
    work(session, ticket, directory["dana"], "2026-11-30 10:00", 30, clock())
    assert sweep("2026-12-01 06:05") is None  # already ran: an invoice of that period exists
    assert _unbilled(session) == 1
