"""Billing rules: rounding up to the increment, the emergency minimum once per ticket, rates
by service class and multiplier, retainer first (running out mid-entry), standard rates
without an agreement; exact Decimal money throughout. And logging time."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from tests.support.billing import add_agreement, work
from tests.support.tickets import add_ticket
from ticketing.billing import retainer
from ticketing.billing.models import Agreement, TimeEntry
from ticketing.billing.time_entries import (
    STANDARD_RATES,
    Terms,
    billable_minutes,
    hours_of,
    log_time,
    plan_lines,
    terms_for,
)
from ticketing.errors import DomainError
from ticketing.models import TicketEvent

D = Decimal
DAY = date(2026, 11, 10)


@pytest.mark.parametrize(
    ("worked", "billed", "hours"),
    [(1, 15, "0.25"), (14, 15, "0.25"), (15, 15, "0.25"), (16, 30, "0.50"),
     (44, 45, "0.75"), (46, 60, "1.00")],
)  # fmt: skip
def test_minutes_round_up_to_the_increment(worked: int, billed: int, hours: str) -> None:
    assert billable_minutes(worked, 15) == billed
    assert hours_of(billed) == D(hours) and isinstance(hours_of(billed), Decimal)


def test_the_minimum_raises_short_work_only() -> None:
    assert billable_minutes(20, 15, 60) == 60
    assert billable_minutes(61, 15, 60) == 75
    assert billable_minutes(0, 15, 60) == 0
    assert hours_of(50) == D("0.83")  # a 10-minute increment: hundredths, half up


def _agreement(kind: str = "msa", **rates: str | None) -> Agreement:
    values = {"help_desk_rate": "120", "professional_rate": "160", "emergency_rate": None}
    values.update(rates)
    return Agreement(
        id=7 if kind == "msa" else 8,
        kind=kind,
        starts_on=date(2026, 1, 1),
        emergency_multiplier=D("1.5"),
        billing_increment_minutes=15,
        emergency_minimum_minutes=60,
        **{k: D(v) if v is not None else None for k, v in values.items()},
    )


def test_rates_by_service_class_from_the_msa() -> None:
    msa = _agreement()
    assert terms_for("help_desk", [msa]) == Terms(D("120.00"), 15, 0, 7)
    assert terms_for("professional_service", [msa]) == Terms(D("160.00"), 15, 0, 7)


def test_emergency_at_its_rate_or_help_desk_rate_times_the_multiplier() -> None:
    with_rate = terms_for("emergency", [_agreement(emergency_rate="200")])
    assert with_rate == Terms(D("200.00"), 15, 60, 7)
    derived = terms_for("emergency", [_agreement()])
    assert derived == Terms(D("180.00"), 15, 60, 7, D("1.5"))
    assert isinstance(derived.rate, Decimal)


def test_the_matching_agreement_comes_before_the_msa() -> None:
    support = _agreement("emergency_support", help_desk_rate=None, emergency_rate="210")
    assert terms_for("emergency", [_agreement(), support]).rate == D("210.00")
    # A help-desk agreement without a professional rate: the MSA's.
    desk = _agreement("help_desk", help_desk_rate="100", professional_rate=None)
    assert terms_for("help_desk", [_agreement(), desk]).rate == D("100.00")
    assert terms_for("professional_service", [_agreement(), desk]).rate == D("160.00")


def test_no_agreement_means_standard_rates() -> None:
    assert terms_for("emergency", []) == Terms(D("195.00"), 15, 60, None)
    assert terms_for("help_desk", []).rate == STANDARD_RATES["help_desk"] == D("110.00")


@pytest.fixture
def bakery(session, directory):
    add_agreement(session, directory["bakery"], emergency=None)  # emergency = 120 x 1.5
    return directory["bakery"]


def _plan(session, ticket, clock):
    entries = list(session.scalars(select(TimeEntry).where(TimeEntry.ticket_id == ticket.id)))
    return plan_lines(session, ticket, entries, now=clock(), day=DAY)


def test_emergency_minimum_applies_once_per_ticket(session, bakery, directory, clock) -> None:
    ticket = add_ticket(session, bakery)
    work(session, ticket, directory["dana"], "2026-11-10 21:00", 20, clock())
    [line] = _plan(session, ticket, clock)
    assert (line.quantity, line.unit_price, line.amount) == (D("1.00"), D("180.00"), D("180.00"))
    assert line.description == f"Ticket #{ticket.number} — Emergency — 1.00 h (minimum 1 h)"

    two = add_ticket(session, bakery)
    work(session, two, directory["dana"], "2026-11-10 21:00", 20, clock())
    work(session, two, directory["luis"], "2026-11-11 22:00", 20, clock())
    [line] = _plan(session, two, clock)
    assert line.quantity == D("1.00")  # 40 min → the minimum once, not 2 h


def test_help_desk_work_has_no_minimum(session, bakery, directory, clock) -> None:
    ticket = add_ticket(session, bakery, "help_desk")
    work(session, ticket, directory["dana"], "2026-11-10 10:00", 20, clock())
    [line] = _plan(session, ticket, clock)
    assert (line.quantity, line.amount) == (D("0.50"), D("60.00"))
    assert line.description == f"Ticket #{ticket.number} — Help desk — 0.50 h"


def test_retainer_runs_out_mid_entry(session, bakery, directory, clock) -> None:
    retainer.purchase(session, bakery.id, D("1.00"), None, "1 hour", clock())
    ticket = add_ticket(session, bakery, apply=True)
    work(session, ticket, directory["dana"], "2026-11-10 21:00", 120, clock())
    prepaid, billed = _plan(session, ticket, clock)
    # 1.00 h left covers 1.00 / 1.5 = 0.67 h of work; the other 1.33 h are billed.
    assert prepaid.description == (
        f"Ticket #{ticket.number} — Pre-paid hours applied: 1.00 h (0.67 h of work × 1.5)"
    )
    assert (prepaid.quantity, prepaid.unit_price, prepaid.amount) == (
        D("1.00"), D("0.00"), D("0.00"),
    )  # fmt: skip
    assert not prepaid.carries_entries and billed.carries_entries
    assert (billed.quantity, billed.unit_price, billed.amount) == (
        D("1.33"), D("180.00"), D("239.40"),
    )  # fmt: skip
    assert retainer.balance(session, bakery.id) == D("0.00")


def test_work_wholly_prepaid_is_billed_on_the_zero_line(session, bakery, directory, clock):
    retainer.purchase(session, bakery.id, D("10.00"), None, "10 hours", clock())
    ticket = add_ticket(session, bakery, "help_desk", apply=True)
    work(session, ticket, directory["dana"], "2026-11-10 10:00", 50, clock())
    [line] = _plan(session, ticket, clock)
    assert line.carries_entries and line.amount == D("0.00")
    assert line.description.endswith("Pre-paid hours applied: 1.00 h (1.00 h of work)")
    assert retainer.balance(session, bakery.id) == D("9.00")


def test_no_agreement_flags_payment_contact_once(session, directory, clock) -> None:
    ticket = add_ticket(session, directory["diner"])
    work(session, ticket, directory["dana"], "2026-11-10 21:00", 70, clock())
    [line] = _plan(session, ticket, clock)
    assert (line.quantity, line.unit_price, line.amount) == (D("1.25"), D("195.00"), D("243.75"))
    _plan(session, ticket, clock)
    assert ticket.payment_contact
    flagged = session.scalars(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket.id, TicketEvent.kind == "billing")
    ).all()
    assert len(flagged) == 1 and "payment contact" in flagged[0].message


def test_log_time_writes_the_timeline(session, directory, clock) -> None:
    ticket = add_ticket(session, directory["bakery"])
    entry = work(session, ticket, directory["dana"], "2026-12-05 21:00", 45, clock(), "reboot")
    assert (entry.minutes, entry.invoice_line_id, entry.logged_by) == (45, None, "Priya Nair")
    event = session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)).one()
    assert event.message == "Dana Whitfield logged 45 min (reboot)"
    assert event.actor == "Priya Nair"


@pytest.mark.parametrize("minutes", [0, -5, 1441])
def test_log_time_refuses_bad_minutes(session, directory, clock, minutes: int) -> None:
    ticket = add_ticket(session, directory["bakery"])
    with pytest.raises(DomainError, match="minutes"):
        work(session, ticket, directory["dana"], "2026-12-05 21:00", minutes, clock())


def test_log_time_refuses_the_future_and_inactive_technicians(session, directory, clock):
    ticket = add_ticket(session, directory["bakery"])
    with pytest.raises(DomainError, match="future"):
        log_time(
            session, ticket, "Dana Whitfield", started_at=clock() + timedelta(minutes=1),
            minutes=10, logged_by="x", now=clock(),
        )  # fmt: skip
    directory["luis"].active = False
    with pytest.raises(DomainError, match="not an active technician"):
        work(session, ticket, directory["luis"], "2026-12-05 21:00", 10, clock())
    with pytest.raises(DomainError, match="no technician"):
        log_time(
            session, ticket, "Nobody", started_at=clock(), minutes=10, logged_by="x", now=clock()
        )
