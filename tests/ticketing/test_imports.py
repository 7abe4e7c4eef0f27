"""CSV imports of invoices and agreements: good files, every kind of bad row reported with
its line number, all or nothing, UTF-8 with or without a byte-order mark."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests.support.invoices import add_invoice
from tests.support.logins import log_in
from tests.support.users import make_user
from ticketing.billing.models import Agreement, Invoice, InvoiceLine, RetainerEntry
from ticketing.imports.csv_files import import_agreements, import_invoices
from ticketing.models import Ticket

INVOICE_HEADER = "account,number,issued_on,due_on,status,description,quantity,unit_price,ticket\n"
AGREEMENT_HEADER = (
    "account,kind,name,starts_on,ends_on,help_desk_rate,professional_rate,emergency_rate,"
    "emergency_multiplier,billing_increment_minutes,emergency_minimum_minutes,prepaid_hours,"
    "entitlements\n"
)


@pytest.fixture
def ticket(session, directory) -> Ticket:
    """A resolved emergency ticket of the bakery, to be billed."""
    found = Ticket(service_class="emergency", client_id=directory["bakery"].id, status="resolved")
    session.add(found)
    session.flush()
    return found


def _counts(session) -> tuple[int, int, int, int]:
    return (
        session.scalar(select(func.count(Invoice.id))),
        session.scalar(select(func.count(InvoiceLine.id))),
        session.scalar(select(func.count(Agreement.id))),
        session.scalar(select(func.count(RetainerEntry.id))),
    )


def test_a_good_invoice_file_is_imported_with_totals(session, directory, ticket):
    data = INVOICE_HEADER + (
        f"1001,INV-2026-0101,2026-11-01,2026-12-01,issued,Emergency call,1.50,225.00,{ticket.id}\n"
        "1001,INV-2026-0101,2026-11-01,2026-12-01,issued,Help desk,0.25,100,\n"
        '1003,INV-2026-0102,2026-10-01,,paid,"Menu printer, again",2,95.00,\n'
        "1001,INV-2026-0101,2026-11-01,2026-12-01,issued,Credit,1,-12.50,\n"
        "\n"
    )
    result = import_invoices(session, data.encode())
    assert result.ok and result.count == 2, result.errors
    bakery = session.scalar(select(Invoice).where(Invoice.number == "INV-2026-0101"))
    assert bakery.client_id == directory["bakery"].id and bakery.status == "issued"
    assert bakery.total == Decimal("350.00")  # 337.50 + 25.00 - 12.50
    assert [line.ticket_id for line in bakery.lines] == [ticket.id, None, None]
    assert bakery.emailed_at is None  # history is not mailed
    diner = session.scalar(select(Invoice).where(Invoice.number == "INV-2026-0102"))
    assert diner.due_on == date(2026, 10, 31) and diner.total == Decimal("190.00")
    assert diner.lines[0].description == "Menu printer, again"
    assert result.summary[0].startswith("INV-2026-0101  Blue Ridge Bakery (account 1001)")
    assert "3 line(s)  $350.00" in result.summary[0]


def test_a_byte_order_mark_and_columns_in_any_order_are_fine(session, directory):
    data = "\ufeffnumber,account,status,issued_on,due_on,quantity,unit_price,description\r\n"
    data += "A-1,1001,draft,,,1,10,Draft work\r\n"
    result = import_invoices(session, data.encode("utf-8"))
    assert result.ok, result.errors
    draft = session.scalar(select(Invoice).where(Invoice.number == "A-1"))
    assert draft.status == "draft" and draft.issued_on is None and draft.total == Decimal("10.00")


def test_every_bad_row_is_reported_with_its_line_and_nothing_is_saved(session, directory, ticket):
    add_invoice(session, directory["bakery"], "INV-OLD", [("Old", "1", "1")])
    diner_ticket = Ticket(service_class="help_desk", client_id=directory["diner"].id)
    session.add(diner_ticket)
    session.flush()
    before = _counts(session)
    data = INVOICE_HEADER + (
        "1001,INV-9,2026-11-01,2026-12-01,issued,Good line,1,10,\n"  # line 2 (fine)
        "9999,INV-9,2026-11-01,2026-12-01,issued,Unknown account,1,10,\n"
        "1001,INV-10,2026-11-31,2026-12-01,issued,Bad date,1,10,\n"
        '1001,INV-11,2026-11-01,2026-12-01,issued,Bad numbers,"1,5",abc,\n'
        "1001,INV-12,2026-11-01,2026-12-01,overdue,Bad status,1,10,\n"
        "1001,INV-OLD,2026-11-01,2026-12-01,issued,Already there,1,10,\n"
        "1001,INV-9,2026-11-02,2026-12-01,issued,Other date,1,10,\n"
        "1001,INV-13,2026-11-01,2026-12-01,issued,Too few fields\n"
        f"1001,INV-14,2026-11-01,2026-12-01,issued,Diner's ticket,1,10,{diner_ticket.id}\n"
        "1001,INV-15,2026-11-01,2026-10-01,issued,,0,10.005,\n"
    )
    result = import_invoices(session, data)
    assert result.errors == [
        "line 3: account '9999' is not a client's account number",
        "line 4: issued_on '2026-11-31' is not a date (use YYYY-MM-DD, e.g. 2026-12-01)",
        "line 5: quantity '1,5' is not a number (digits and a point, e.g. 150.00)",
        "line 5: unit_price 'abc' is not a number (digits and a point, e.g. 150.00)",
        "line 6: status 'overdue' is not one of issued | paid | draft | void",
        "line 7: invoice INV-OLD is already in the database",
        "line 8: invoice INV-9: issued_on differs from line 2",
        "line 9: 6 fields, but the header names 9",
        f"line 10: ticket '{diner_ticket.id}' is not a ticket of account '1001'",
        "line 11: due_on 2026-10-01 is before issued_on 2026-11-01",
        "line 11: description is empty",
        "line 11: quantity 0 is less than 0.01",
        "line 11: unit_price 10.005 has more than 2 decimal places",
    ]
    assert result.count == 0 and result.summary == []
    assert _counts(session) == before


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"", "the file is empty: the first line must name the columns"),
        (INVOICE_HEADER.encode(), "the file has no rows to import"),
        (b"account,number\n1001,X\n", "line 1: header: missing column(s): issued_on, due_on"),
        (
            INVOICE_HEADER.replace("ticket", "tikcet").encode(),
            "line 1: header: unknown column(s): 'tikcet'",
        ),
        (INVOICE_HEADER.encode() + b"1001,\xff\xfe,,,,,,,\n", "the file is not UTF-8 text"),
    ],
)
def test_a_bad_file_or_header_is_refused(session, directory, data, error):
    result = import_invoices(session, data)
    assert not result.ok and result.errors[0].startswith(error)


def test_line_numbers_count_lines_inside_quoted_descriptions(session, directory):
    data = INVOICE_HEADER + (
        '1001,M-1,2026-11-01,,issued,"two\nlines",1,10,\n'  # lines 2-3
        "1001,M-2,2026-11-01,,issued,Bad,x,10,\n"  # line 4
    )
    assert import_invoices(session, data).errors == [
        "line 4: quantity 'x' is not a number (digits and a point, e.g. 150.00)"
    ]


def test_imported_descriptions_are_escaped_in_the_portal(client, session, directory):
    data = INVOICE_HEADER + (
        '1001,X-1,2026-11-01,,issued,"<img src=x onerror=alert(1)> caller said ""hi""",1,10,\n'
    )
    assert import_invoices(session, data).ok
    admin = make_user(
        session, "owner@bakery.example", client=directory["bakery"], role="client_admin"
    )
    session.commit()
    log_in(client, admin)
    invoice = session.scalar(select(Invoice).where(Invoice.number == "X-1"))
    html = client.get(f"/portal/invoices/{invoice.id}").get_data(as_text=True)
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_good_agreements_are_imported_and_prepaid_hours_are_bought(session, clock, directory):
    data = AGREEMENT_HEADER + (
        "1003,msa,Master Services Agreement 2026,2026-01-01,2026-12-31,95,150,225,1.5,15,60,,"
        '"Help desk, professional and emergency services at the rates above"\n'
        "1003,prepaid_hours,Pre-paid 20 hours,2026-06-01,,,,,2,30,120,20,20 hours of support\n"
        "1001,emergency_support,Emergency Support 2027,2027-01-01,2027-12-31,,,250,,,,0,24x7\n"
    )
    result = import_agreements(session, data.encode("utf-8-sig"), now=clock())
    assert result.ok and result.count == 3, result.errors
    msa, prepaid, future = session.scalars(select(Agreement).order_by(Agreement.id)).all()
    assert msa.help_desk_rate == Decimal("95") and msa.emergency_multiplier == Decimal("1.5")
    assert msa.entitlements.startswith("Help desk, professional")
    assert prepaid.ends_on is None and prepaid.emergency_multiplier == Decimal("2")
    assert prepaid.billing_increment_minutes == 30 and prepaid.emergency_minimum_minutes == 120
    assert future.help_desk_rate is None and future.emergency_multiplier == Decimal("1.5")
    [purchase] = session.scalars(select(RetainerEntry)).all()
    assert purchase.kind == "purchase" and purchase.hours == Decimal("20")
    assert purchase.client_id == directory["diner"].id and purchase.agreement_id == prepaid.id
    # The MSA is in force today: the phone line stops saying "no MSA" to the diner.
    assert directory["diner"].has_msa is True
    assert directory["bakery"].has_emergency_agreement is False  # starts next year
    assert "+20 pre-paid hours" in result.summary[1]


def test_bad_agreement_rows_are_reported_and_nothing_is_saved(session, clock, directory):
    good = "1001,msa,MSA 2026,2026-01-01,,95,150,225,1.5,15,60,,\n"
    assert import_agreements(session, AGREEMENT_HEADER + good, now=clock()).ok
    before = _counts(session)
    data = AGREEMENT_HEADER + (
        "1003,retainer,Hours,2026-01-01,,,,,,,,,\n"
        "1003,msa,MSA,2026-01-01,2025-01-01,95,$150,225,0,0,-5,10,\n"
        "1003,prepaid_hours,Hours,2026-13-01,,,,,,,,ten,\n"
        + good
        + "1003,help_desk,Help desk,2026-01-01,,95,,,,,,,\n"
        "1003,help_desk,Help desk,2026-01-01,,95,,,,,,,\n"
    )
    result = import_agreements(session, data, now=clock())
    assert result.errors == [
        "line 2: kind 'retainer' is not one of msa | help_desk | emergency_support | prepaid_hours",
        "line 3: ends_on 2025-01-01 is before starts_on 2026-01-01",
        "line 3: professional_rate '$150' is not a number (digits and a point, e.g. 150.00)",
        "line 3: emergency_multiplier 0 is less than 0.01",
        "line 3: billing_increment_minutes '0' is not a whole number from 1 to 1440",
        "line 3: emergency_minimum_minutes '-5' is not a whole number from 0 to 1440",
        "line 3: prepaid_hours is for a prepaid_hours agreement only",
        "line 4: starts_on '2026-13-01' is not a date (use YYYY-MM-DD, e.g. 2026-12-01)",
        "line 4: prepaid_hours 'ten' is not a number (digits and a point, e.g. 150.00)",
        "line 5: agreement 'MSA 2026' from 2026-01-01 is already imported",
        "line 7: the same agreement is on line 6",
    ]
    assert _counts(session) == before
