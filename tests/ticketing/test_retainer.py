"""Pre-paid hours: the balance is the sum of the ledger; time drawn is hours x multiplier
for emergency work, exact to the hundredth, never below zero, one ledger row per draw."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from ticketing.billing import retainer
from ticketing.billing.models import Agreement, RetainerEntry
from ticketing.errors import DomainError
from ticketing.models import Ticket, TicketEvent

D = Decimal


@pytest.fixture
def bakery(directory):
    return directory["bakery"]


def _ticket(session, client, service_class: str = "emergency", apply: bool = True) -> Ticket:
    ticket = Ticket(service_class=service_class, client_id=client.id, apply_retainer=apply)
    session.add(ticket)
    session.flush()
    return ticket


def _bought(session, client, hours: str, clock) -> None:
    retainer.purchase(session, client.id, D(hours), None, f"{hours} hours", clock())


def test_balance_is_the_sum_of_the_ledger(session, bakery, directory, clock) -> None:
    assert retainer.balance(session, bakery.id) == D("0.00")
    assert retainer.percent_used(session, bakery.id) is None
    _bought(session, bakery, "20", clock)
    _bought(session, bakery, "0.10", clock)
    _bought(session, directory["diner"], "99", clock)  # another client's ledger
    ticket = _ticket(session, bakery, "help_desk")
    assert retainer.draw(
        session, ticket, D("0.20"), emergency=False, multiplier=D("1.5"), now=clock()
    ) == (D("0.20"), D("0.00"))
    assert retainer.balance(session, bakery.id) == D("19.90")  # no float drift
    assert retainer.purchased(session, bakery.id) == D("20.10")
    assert retainer.used(session, bakery.id) == D("0.20")
    assert retainer.percent_used(session, bakery.id) == D(0)  # 0.995%, rounded down


def test_emergency_work_draws_hours_times_the_multiplier(session, bakery, clock) -> None:
    _bought(session, bakery, "20", clock)
    ticket = _ticket(session, bakery)
    drawn, left = retainer.draw(
        session, ticket, D("2"), emergency=True, multiplier=D("1.5"), now=clock()
    )
    assert (drawn, left) == (D("3.00"), D("0.00"))
    [row] = retainer.usage_for_ticket(session, ticket.id)
    assert (row.hours, row.work_hours, row.multiplier) == (D("-3.00"), D("2.00"), D("1.50"))
    assert row.kind == "usage" and row.ticket_id == ticket.id
    assert retainer.balance(session, bakery.id) == D("17.00")


def test_balance_runs_out_mid_entry(session, bakery, clock) -> None:
    _bought(session, bakery, "2", clock)
    ticket = _ticket(session, bakery)
    drawn, left = retainer.draw(
        session, ticket, D("2"), emergency=True, multiplier=D("1.5"), now=clock()
    )
    # 2.00 h left covers 2 / 1.5 = 1.33 work hours; the other 0.67 h are billed.
    assert (drawn, left) == (D("2.00"), D("0.67"))
    assert retainer.balance(session, bakery.id) == D("0.00")
    [row] = retainer.usage_for_ticket(session, ticket.id)
    assert (row.hours, row.work_hours) == (D("-2.00"), D("1.33"))
    # Empty: nothing more is drawn and no row is written.
    assert retainer.draw(
        session, ticket, D("1"), emergency=False, multiplier=D("1"), now=clock()
    ) == (D("0.00"), D("1.00"))
    assert len(retainer.usage_for_ticket(session, ticket.id)) == 1


def test_exactly_the_balance(session, bakery, clock) -> None:
    _bought(session, bakery, "3", clock)
    ticket = _ticket(session, bakery)
    assert retainer.draw(
        session, ticket, D("2"), emergency=True, multiplier=D("1.5"), now=clock()
    ) == (D("3.00"), D("0.00"))
    assert retainer.balance(session, bakery.id) == D("0.00")


def test_never_below_zero_over_many_draws(session, bakery, clock) -> None:
    _bought(session, bakery, "1", clock)
    ticket = _ticket(session, bakery)
    total_left = D(0)
    for _ in range(7):
        _drawn, left = retainer.draw(
            session, ticket, D("0.25"), emergency=True, multiplier=D("1.5"), now=clock()
        )
        total_left += left
    assert retainer.balance(session, bakery.id) == D("0.00")
    assert retainer.used(session, bakery.id) == D("1.00")
    # 0.25 x 1.5 = 0.375 → 0.38 drawn twice; the third draw gets the last 0.24 h, which
    # covers 0.16 work hours (0.09 left to bill); the last four are billed whole.
    assert total_left == D("0.09") + 4 * D("0.25")


def test_rounding_to_the_hundredth(session, bakery, clock) -> None:
    _bought(session, bakery, "10", clock)
    ticket = _ticket(session, bakery)
    # 0.333 work hours is 0.33; x 1.75 = 0.5775 → 0.58 drawn.
    assert retainer.draw(
        session, ticket, D("0.333"), emergency=True, multiplier=D("1.75"), now=clock()
    ) == (D("0.58"), D("0.00"))
    assert retainer.balance(session, bakery.id) == D("9.42")


def test_nothing_is_drawn_unless_the_client_chose_it(session, bakery, clock) -> None:
    _bought(session, bakery, "10", clock)
    ticket = _ticket(session, bakery, apply=False)
    assert retainer.draw(
        session, ticket, D("2"), emergency=True, multiplier=D("1.5"), now=clock()
    ) == (D("0.00"), D("2.00"))
    assert retainer.draw(
        session, _ticket(session, bakery), D("0"), emergency=True, multiplier=D("1.5"), now=clock()
    ) == (D("0.00"), D("0.00"))
    assert retainer.balance(session, bakery.id) == D("10.00")


def test_usage_names_the_pre_paid_agreement_in_force(session, bakery, clock) -> None:
    old = Agreement(
        client_id=bakery.id,
        kind="prepaid_hours",
        name="old",
        starts_on=date(2025, 1, 1),
        ends_on=date(2025, 12, 31),
    )
    current = Agreement(
        client_id=bakery.id,
        kind="prepaid_hours",
        name="current",
        starts_on=date(2026, 1, 1),
        emergency_multiplier=D("2"),
    )
    session.add_all([old, current])
    session.flush()
    retainer.purchase(session, bakery.id, D("5"), current.id, "5 h", clock())
    ticket = _ticket(session, bakery)
    day = clock().date()
    multiplier = retainer.multiplier_for(session, bakery.id, day)
    assert multiplier == D("2.00")
    retainer.draw(session, ticket, D("1"), emergency=True, multiplier=multiplier, now=clock())
    [row] = retainer.usage_for_ticket(session, ticket.id)
    assert row.agreement_id == current.id and row.hours == D("-2.00")
    assert retainer.multiplier_for(session, bakery.id, date(2024, 1, 1)) == D("1.5")


@pytest.mark.parametrize("hours", ["0", "-1", "1.005", "NaN"])
def test_purchase_refuses_nonsense(session, bakery, clock, hours) -> None:
    with pytest.raises(DomainError):
        retainer.purchase(session, bakery.id, D(hours), None, "", clock())


def test_purchase_under_another_clients_agreement_is_refused(
    session, bakery, directory, clock
) -> None:
    theirs = Agreement(
        client_id=directory["diner"].id, kind="prepaid_hours", name="x", starts_on=date(2026, 1, 1)
    )
    session.add(theirs)
    session.flush()
    with pytest.raises(DomainError, match="no agreement"):
        retainer.purchase(session, bakery.id, D("5"), theirs.id, "", clock())


def test_ledger_is_newest_first_and_summary_warns_at_80(session, bakery, clock) -> None:
    retainer.purchase(session, bakery.id, D("10"), None, "first", clock() - timedelta(days=9))
    ticket = _ticket(session, bakery, "help_desk")
    retainer.draw(session, ticket, D("7.99"), emergency=False, multiplier=D("1"), now=clock())
    summary = retainer.summary(session, bakery.id)
    assert not summary.warning and summary.percent_used == D(79)  # 79.9%: not yet 80
    entries = retainer.ledger(session, bakery.id)
    assert [e.kind for e in entries] == ["usage", "purchase"]


def test_warning_threshold(session, bakery, clock) -> None:
    _bought(session, bakery, "100", clock)
    ticket = _ticket(session, bakery, "help_desk")
    retainer.draw(session, ticket, D("79"), emergency=False, multiplier=D("1"), now=clock())
    assert not retainer.summary(session, bakery.id).warning
    retainer.draw(session, ticket, D("1"), emergency=False, multiplier=D("1"), now=clock())
    summary = retainer.summary(session, bakery.id)
    assert summary.warning and summary.percent_used == D(80) and summary.balance == D("20.00")


def test_choose_applies_and_undoes_with_the_timeline(session, bakery, clock) -> None:
    ticket = _ticket(session, bakery, apply=False)
    with pytest.raises(DomainError, match="no pre-paid hours"):
        retainer.choose(session, ticket, apply=True, by="Alice", now=clock())
    _bought(session, bakery, "4", clock)
    retainer.choose(session, ticket, apply=True, by="Alice", now=clock())
    retainer.choose(session, ticket, apply=True, by="Alice", now=clock())  # a double submit
    assert ticket.apply_retainer
    retainer.choose(session, ticket, apply=False, by="Alice", now=clock())
    retainer.choose(session, ticket, apply=True, by="Alice", now=clock())
    retainer.draw(session, ticket, D("1"), emergency=False, multiplier=D("1"), now=clock())
    with pytest.raises(DomainError, match="already drawn"):
        retainer.choose(session, ticket, apply=False, by="Alice", now=clock())
    lines = session.scalars(
        select(TicketEvent.message).where(TicketEvent.ticket_id == ticket.id)
    ).all()
    assert lines == [
        "Alice chose to apply pre-paid hours",
        "Alice chose not to apply pre-paid hours",
        "Alice chose to apply pre-paid hours",
    ]
    assert session.scalars(select(RetainerEntry)).all()
