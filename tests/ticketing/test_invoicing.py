"""ticketing.billing.invoices: balances, payments recorded once by reference, and issuing a draft
(dated on the business's calendar, due in 30 days, numbered, and emailed to the client)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

import ticketing.billing.invoices as invoicing
from tests.support.invoices import add_invoice
from tests.support.users import make_user
from ticketing.billing.models import Payment
from ticketing.errors import DomainError
from ticketing.models import OutboxMessage

BASE = "https://intake.example.com"


@pytest.fixture
def draft(session, directory):
    """A draft for the bakery with no number yet, two lines, one of them billing a ticket."""
    directory["jane"].email = "Jane@BlueRidgeBakery.example"
    make_user(session, "owner@bakery.example", client=directory["bakery"], role="client_admin")
    make_user(session, "books@bakery.example", client=directory["bakery"], billing=True)
    make_user(session, "clerk@bakery.example", client=directory["bakery"])
    make_user(session, "maria@diner.example", client=directory["diner"], role="client_admin")
    invoice = add_invoice(
        session,
        directory["bakery"],
        "",
        [("Emergency call, registers down", "1.5", "225"), ("Help desk", "0.25", "100")],
        status="draft",
        issued_on=None,
        due_on=None,
    )
    session.commit()
    return invoice


def test_issue_dates_numbers_totals_and_emails_a_copy(session, clock, draft):
    assert invoicing.issue(session, draft, clock(), BASE) is True
    # 23:10 on Saturday Dec 5 in New York is already Dec 6 in UTC: the business's date wins.
    assert draft.issued_on == date(2026, 12, 5) and draft.due_on == date(2027, 1, 4)
    assert draft.status == "issued" and draft.total == Decimal("362.50")
    assert draft.number == f"INV-2026-{draft.id:05d}"
    assert draft.emailed_at == clock()
    mails = session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "email")).all()
    assert sorted(m.to_address for m in mails) == [
        "books@bakery.example",
        "jane@blueridgebakery.example",
        "owner@bakery.example",
    ]
    mail = mails[0]
    assert mail.kind == "invoice"
    assert mail.subject == f"Accelerando invoice {draft.number}: $362.50 due Jan 04, 2027"
    assert "- Emergency call, registers down\n    1.50 x $225.00 = $337.50" in mail.body
    assert f"{BASE}/portal/invoices/{draft.id}" in mail.body
    assert "Balance due: $362.50" in mail.body


def test_issuing_twice_changes_nothing_and_mails_once(session, clock, draft):
    invoicing.issue(session, draft, clock(), BASE)
    assert invoicing.issue(session, draft, clock(), BASE) is False
    assert invoicing.email_copy(session, draft, clock(), BASE) == 0  # already owed to each
    assert len(session.scalars(select(OutboxMessage)).all()) == 3


def test_an_empty_draft_is_not_issued(session, clock, directory):
    empty = add_invoice(session, directory["bakery"], "E-1", [], status="draft")
    with pytest.raises(DomainError, match="no lines"):
        invoicing.issue(session, empty, clock(), BASE)


def test_a_payment_is_recorded_once_and_pays_the_invoice_when_it_covers_the_total(
    session, clock, directory
):
    invoice = add_invoice(session, directory["bakery"], "INV-1", [("Work", "2", "50")])
    now = clock()
    assert invoicing.record_payment(session, invoice, Decimal("40"), "card", "cs_1", now)
    assert invoice.status == "issued" and invoicing.balance_due(invoice) == Decimal("60.00")
    assert not invoicing.record_payment(session, invoice, Decimal("40"), "card", "cs_1", now)
    assert invoicing.balance_due(invoice) == Decimal("60.00")
    assert invoicing.record_payment(session, invoice, Decimal("60"), "check", "1042", now)
    assert invoice.status == "paid" and invoice.paid_at == now
    assert invoicing.balance_due(invoice) == Decimal("0.00")
    with pytest.raises(DomainError):
        invoicing.record_payment(session, invoice, Decimal("0"), "card", "cs_0", now)


def test_a_concurrent_delivery_that_wins_the_race_is_not_recorded_again(
    session, clock, directory, monkeypatch
):
    invoice = add_invoice(session, directory["bakery"], "INV-2", [("Work", "1", "80")])
    session.add(Payment(invoice=invoice, amount=Decimal("80"), method="card", reference="cs_r"))
    session.flush()
    # The other transaction inserted after our check: the unique reference stops us.
    monkeypatch.setattr(invoicing, "already_recorded", lambda _s, _r: False)
    assert not invoicing.record_payment(session, invoice, Decimal("80"), "card", "cs_r", clock())
    assert session.scalars(select(Payment)).all() == [invoice.payments[0]]


def test_open_total_counts_what_is_still_due_on_issued_invoices(session, directory):
    bakery = directory["bakery"]
    partly = add_invoice(session, bakery, "A", [("x", "1", "100")])
    session.add(Payment(invoice=partly, amount=Decimal("30"), method="check", reference="p"))
    add_invoice(session, bakery, "B", [("x", "1", "50.25")])
    add_invoice(session, bakery, "C", [("x", "1", "999")], status="paid")
    add_invoice(session, bakery, "D", [("x", "1", "999")], status="void")
    add_invoice(session, bakery, "E", [("x", "1", "999")], status="draft")
    add_invoice(session, directory["diner"], "F", [("x", "1", "999")])
    session.flush()
    assert invoicing.open_total(session, bakery.id) == Decimal("120.25")
