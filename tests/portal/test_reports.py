"""Executive reports: support use per month and service class, as figures, charts and CSV."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from portal_web.portal.charts import Series, ack_chart, stacked_bars
from tests.support.billing import add_agreement, work
from tests.support.invoices import add_invoice_by_class
from tests.support.logins import log_in
from tests.support.moments import local
from tests.support.tickets import add_ticket
from tests.support.users import make_user
from ticketing.billing import retainer
from ticketing.billing.monthly_run import run_billing
from ticketing.billing.reports import AckStats, Figures, check_range, usage
from ticketing.errors import DomainError


@pytest.fixture
def usage_data(session, directory):
    """The bakery's October and November 2026, plus a diner ticket and invoice that the
    bakery's figures must never include."""
    bakery, diner = directory["bakery"], directory["diner"]
    add_ticket(session, bakery, "help_desk", local("2026-10-06 10:00"))
    add_ticket(session, bakery, "help_desk", local("2026-10-20 14:00"))
    add_ticket(session, bakery, "professional_service", local("2026-10-21 09:00"))
    add_ticket(session, bakery, "emergency", local("2026-10-24 22:00"), ack_minutes=4)
    add_ticket(session, bakery, "emergency", local("2026-10-25 02:00"), ack_minutes=30)
    add_ticket(session, bakery, "emergency", local("2026-10-31 23:00"), ack_minutes=10)
    add_ticket(session, bakery, "emergency", local("2026-11-14 21:00"), ack_minutes=4)
    add_ticket(session, bakery, "emergency", local("2026-11-15 21:00"), ack_minutes=7)
    add_ticket(session, bakery, "emergency", local("2026-11-16 21:00"))  # never acknowledged
    add_invoice_by_class(
        session,
        bakery,
        "INV-2026-10",
        [("help_desk", "1.50", "187.50"), ("emergency", "3.00", "675.00"), (None, "20", "2500")],
        period="2026-10",
        status="paid",
    )
    add_invoice_by_class(
        session,
        bakery,
        "INV-2026-11",
        [("professional_service", "2.25", "337.50")],
        issued_on=date(2026, 11, 30),
    )
    add_invoice_by_class(
        session, bakery, "INV-VOID", [("help_desk", "9", "999")], period="2026-10", status="void"
    )
    add_invoice_by_class(
        session, bakery, "INV-DRAFT", [("help_desk", "8", "888")], period="2026-11", status="draft"
    )
    add_ticket(session, diner, "emergency", local("2026-10-24 22:00"), ack_minutes=90)
    add_invoice_by_class(
        session, diner, "INV-DINER", [("emergency", "5", "1000")], period="2026-10"
    )
    session.commit()
    return directory


# --- the figures ------------------------------------------------------------------------


def test_figures_per_month_and_class(session, usage_data) -> None:
    report = usage(session, usage_data["bakery"].id, date(2026, 10, 1), date(2026, 11, 1))
    october, november = report.months
    assert october.month == date(2026, 10, 1) and october.label == "Oct 2026"
    assert october.by_class == {
        "help_desk": Figures(2, Decimal("1.50"), Decimal("187.50")),
        "professional_service": Figures(1, Decimal("0.00"), Decimal("0.00")),
        "emergency": Figures(3, Decimal("3.00"), Decimal("675.00")),
    }
    # An invoice without a period counts in the month it was issued.
    assert november.by_class["professional_service"] == Figures(
        0, Decimal("2.25"), Decimal("337.50")
    )
    assert november.by_class["emergency"].tickets == 3
    assert report.total("emergency") == Figures(6, Decimal("3.00"), Decimal("675.00"))
    assert report.grand_total == Figures(9, Decimal("6.75"), Decimal("1200.00"))


def _billed_november(session, clock, bakery) -> None:
    run_billing(
        session, "2026-11", now=clock(), public_base_url="https://intake.example.com",
        timezone="America/New_York", firm_name="Firm",
    )  # fmt: skip


def test_emergency_work_paid_from_pre_paid_hours_is_counted(session, directory, clock) -> None:
    bakery = directory["bakery"]
    add_agreement(session, bakery, emergency="200.00")
    retainer.purchase(session, bakery.id, Decimal("3.00"), None, "3 hours", clock())
    ticket = add_ticket(session, bakery, apply=True)  # opened in November
    work(session, ticket, directory["dana"], "2026-11-02 16:00", 60, clock())
    _billed_november(session, clock, bakery)
    assert retainer.used(session, bakery.id) == Decimal("1.50")  # 1 h of work x 1.5

    report = usage(session, bakery.id, date(2026, 11, 1), date(2026, 12, 1))
    november, december = report.months
    # The hour worked, in the month the ticket is counted in (not the month of the run).
    assert november.by_class["emergency"] == Figures(1, Decimal("1.00"), Decimal("0.00"))
    assert december.by_class["emergency"] == Figures(0, Decimal("0.00"), Decimal("0.00"))


def test_work_partly_paid_from_pre_paid_hours_counts_every_hour(session, directory, clock) -> None:
    bakery = directory["bakery"]
    add_agreement(session, bakery, emergency="200.00")
    retainer.purchase(session, bakery.id, Decimal("1.00"), None, "1 hour", clock())
    ticket = add_ticket(session, bakery, apply=True)
    work(session, ticket, directory["dana"], "2026-11-10 21:00", 120, clock())
    _billed_november(session, clock, bakery)

    [november] = usage(session, bakery.id, date(2026, 11, 1), date(2026, 11, 1)).months
    # 0.67 h from the pre-paid hour (x 1.5), 1.33 h billed at 200.00.
    assert november.by_class["emergency"] == Figures(1, Decimal("2.00"), Decimal("266.00"))


def test_emergency_time_to_acknowledge_median_and_worst(session, usage_data) -> None:
    report = usage(session, usage_data["bakery"].id, date(2026, 10, 1), date(2026, 11, 1))
    october, november = report.months
    assert october.ack == AckStats(3, 10.0, 30.0)
    assert november.ack == AckStats(2, 5.5, 7.0)  # the unacknowledged one is not counted
    assert report.ack == AckStats(5, 7.0, 30.0)


def test_months_are_those_of_the_business_time_zone(session, directory) -> None:
    bakery = directory["bakery"]
    # 03:00 UTC on 1 December is 22:00 on 30 November in New York.
    add_ticket(session, bakery, "emergency", datetime(2026, 12, 1, 3, 0, tzinfo=UTC))
    # The night summer time ends (1 Nov 2026): 03:30 UTC is 23:30 EDT on 31 October.
    add_ticket(session, bakery, "emergency", datetime(2026, 11, 1, 3, 30, tzinfo=UTC))
    add_ticket(session, bakery, "emergency", datetime(2026, 11, 1, 4, 30, tzinfo=UTC))
    session.commit()
    report = usage(session, bakery.id, date(2026, 10, 1), date(2026, 12, 1))
    assert [m.by_class["emergency"].tickets for m in report.months] == [1, 2, 0]
    in_utc = usage(session, bakery.id, date(2026, 10, 1), date(2026, 12, 1), timezone="UTC")
    assert [m.by_class["emergency"].tickets for m in in_utc.months] == [0, 2, 1]


def test_months_without_activity_are_zeros(session, usage_data) -> None:
    report = usage(session, usage_data["bakery"].id, date(2026, 1, 1), date(2026, 12, 1))
    assert [m.key for m in report.months][:2] == ["2026-01", "2026-02"]
    assert len(report.months) == 12
    quiet = report.months[0]
    assert quiet.by_class == {c: Figures() for c in quiet.by_class}
    assert quiet.ack == AckStats(0, None, None)
    assert report.months[-1].total == Figures()


def test_another_company_is_never_counted(session, usage_data) -> None:
    diner = usage(session, usage_data["diner"].id, date(2026, 10, 1), date(2026, 11, 1))
    assert diner.months[0].by_class["emergency"] == Figures(1, Decimal("5.00"), Decimal("1000.00"))
    assert diner.months[0].ack == AckStats(1, 90.0, 90.0)
    assert diner.grand_total == Figures(1, Decimal("5.00"), Decimal("1000.00"))


def test_range_validation() -> None:
    check_range(date(2024, 1, 1), date(2026, 12, 1))  # 36 months: allowed
    with pytest.raises(DomainError, match="at most 36 months"):
        check_range(date(2023, 12, 1), date(2026, 12, 1))
    with pytest.raises(DomainError, match="after the start month"):
        check_range(date(2026, 5, 1), date(2026, 4, 1))


# --- the charts -------------------------------------------------------------------------


def test_charts_escape_their_text_and_are_accessible() -> None:
    svg = str(
        stacked_bars(
            chart_id="c1",
            title='Tickets <per> "month"',
            description="A & B",
            labels=["Jan 2026", "<script>alert(1)</script>"],
            series=[Series("help_desk", "Help desk", [Decimal(1), Decimal(2)])],
            unit="tickets",
        )
    )
    assert "<script>" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg
    assert "Tickets &lt;per&gt; " in svg and "A &amp; B" in svg
    assert 'role="img"' in svg and "aria-label=" in svg
    assert "<title id=" in svg and "<desc id=" in svg
    assert "style=" not in svg
    ack = str(ack_chart(chart_id="c2", labels=["Oct 2026"], median=[5.5], worst=[30.0]))
    assert "Oct 2026" in ack and 'role="img"' in ack and "style=" not in ack


# --- the pages --------------------------------------------------------------------------


@pytest.fixture
def admin(session, usage_data, client):
    user = make_user(
        session, "jane@blueridge.example", client=usage_data["bakery"], role="client_admin"
    )
    session.commit()
    log_in(client, user)
    return user


def test_report_page_shows_chart_and_table_for_the_last_twelve_months(client, admin) -> None:
    page = client.get("/portal/reports")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'value="2026-01"' in html and 'value="2026-12"' in html
    assert html.count("<svg") == 3  # tickets, hours, time to acknowledge
    for month in ("Jan 2026", "Oct 2026", "Dec 2026"):
        assert month in html
    assert "style=" not in html and "<script" not in html
    assert "/portal/reports.csv?from=2026-01&amp;to=2026-12" in html


def _table_rows(html: str) -> list[list[str]]:
    body = html[html.index('<table class="report"') :]
    body = body[: body.index("</table>")]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    cells = [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S) for row in rows]
    clean = [[re.sub(r"<[^>]+>", "", c).strip() for c in row] for row in cells]
    return [row for row in clean if row]


def test_csv_has_the_same_figures_as_the_table(client, admin) -> None:
    html = client.get("/portal/reports?from=2026-10&to=2026-11").get_data(as_text=True)
    answer = client.get("/portal/reports.csv?from=2026-10&to=2026-11")
    assert answer.status_code == 200
    assert answer.mimetype == "text/csv"
    assert answer.headers["Content-Disposition"].startswith("attachment; filename=")
    rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True))))
    assert rows[0][:6] == ["client", "month", "service_class", "tickets", "hours", "amount"]
    table = _table_rows(html)[1:]  # without the header row
    assert len(rows) - 1 == len(table) == 10  # 2 months x 3 classes, 3 totals, 1 grand total
    for line, cells in zip(rows[1:], table, strict=True):
        assert line[0] == "Blue Ridge Bakery"
        assert line[2:6] == [c.replace(",", "").lstrip("$") for c in cells[1:5]]
    october_emergency = rows[3]
    assert october_emergency[1:] == ["2026-10", "Emergency", "3", "3.00", "675.00", "10.0", "30.0"]
    assert rows[-1][1:6] == ["Total", "All classes", "9", "6.75", "1200.00"]


def test_csv_cells_cannot_start_a_formula(client, session, directory) -> None:
    directory["diner"].name = '=HYPERLINK("http://evil.example","x")'
    user = make_user(session, "maria@diner.example", client=directory["diner"], role="client_admin")
    session.commit()
    log_in(client, user)
    rows = list(csv.reader(io.StringIO(client.get("/portal/reports.csv").get_data(as_text=True))))
    assert rows[1][0].startswith("'=HYPERLINK")
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2026-05&to=2026-01", "after the start month"),
        ("from=2023-01&to=2026-12", "at most 36 months"),
        ("from=May&to=2026-12", "YYYY-MM"),
        ("from=2026-13&to=2026-12", "YYYY-MM"),
        ("from=9999-01&to=9999-12", "between 1990 and 2999"),
    ],
)
def test_a_bad_range_is_refused_with_a_clear_error(client, admin, query, message) -> None:
    page = client.get(f"/portal/reports?{query}")
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    assert message in html and "<svg" not in html
    assert client.get(f"/portal/reports.csv?{query}").status_code == 400


def test_a_companys_report_counts_only_its_own_data(client, session, usage_data) -> None:
    user = make_user(
        session, "maria@diner.example", client=usage_data["diner"], role="client_admin"
    )
    session.commit()
    log_in(client, user)
    rows = list(
        csv.reader(
            io.StringIO(
                client.get("/portal/reports.csv?from=2026-10&to=2026-10").get_data(as_text=True)
            )
        )
    )
    assert [r[3] for r in rows[1:4]] == ["0", "0", "1"]
    assert rows[3][5] == "1000.00"


@pytest.mark.parametrize("role", ["client_user", "staff"])
def test_only_company_administrators_see_reports(client, session, usage_data, role) -> None:
    company = usage_data["bakery"] if role == "client_user" else None
    user = make_user(session, f"{role}@example.com", client=company, role=role, billing=True)
    session.commit()
    log_in(client, user)
    assert client.get("/portal/reports").status_code == 404
    assert client.get("/portal/reports.csv").status_code == 404


def test_reports_need_a_login(client, usage_data) -> None:
    answer = client.get("/portal/reports")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]
