"""The client's home, tickets, service requests, agreements and pre-paid hours pages, as a
company administrator and as a user see them."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from flask import render_template

from tests.support.logins import log_in
from tests.support.pages import html_of
from tests.support.users import make_user
from ticketing.billing import retainer
from ticketing.models import Ticket


def test_every_page_renders_for_a_company_admin(client, portal) -> None:
    log_in(client, portal.alice)
    urls = [
        "/portal/",
        "/portal/tickets",
        f"/portal/tickets/{portal.emergency.number}",
        f"/portal/tickets/{portal.professional.number}",
        "/portal/requests/new",
        "/portal/requests/new?kind=professional_service",
        "/portal/requests/new?kind=emergency",
        "/portal/agreements",
        "/portal/retainer",
    ]
    for url in urls:
        html = html_of(client.get(url))
        assert "Agreements &amp; pre-paid hours" in html  # the admin's menu


def test_home_shows_what_is_open_due_and_left(client, portal) -> None:
    html = html_of(log_in(client, portal.alice).get("/portal/"))
    assert f"#{portal.emergency.number}" in html and "by Dana Whitfield" in html
    assert "$350.00" in html  # 450.00 issued less 100.00 paid; the diner's never counts
    assert "1 invoice issued and unpaid" in html
    assert "3.00 h" in html and "17.00 h used of 20.00 h purchased (85%)" in html
    assert "Warning: 85% of your pre-paid hours are used" in html
    assert "Master Services Agreement" in html and "20 pre-paid hours" in html
    assert "Emergency Support 2025" not in html  # ended last year


def test_no_warning_below_80_percent(client, portal, session, clock) -> None:
    retainer.purchase(session, portal.alice.client_id, Decimal(10), None, "top-up", clock())
    session.commit()
    html = html_of(log_in(client, portal.alice).get("/portal/"))
    assert "(56%)" in html and "Warning" not in html  # 17 of 30, rounded down


def test_billing_is_hidden_without_the_permission(client, portal, session) -> None:
    html = html_of(log_in(client, portal.carol).get("/portal/"))
    assert "Open invoices" not in html and "$350.00" not in html
    assert 'href="/portal/invoices"' not in html
    assert "Agreements in force" not in html and "/portal/reports" not in html
    portal.carol.can_view_billing = True
    session.commit()
    html = html_of(client.get("/portal/"))
    assert "$350.00" in html


def test_menu_skips_pages_not_built(app, portal) -> None:
    with app.test_request_context("/portal/"):
        from flask_login import login_user

        login_user(portal.alice)
        html = render_template("nav.html", portal_endpoints=frozenset({"portal.home"}))
    assert 'href="/portal/"' in html
    assert "Reports" not in html and "Invoices" not in html and "Tickets" not in html


def test_list_filters_by_status_and_class(client, portal) -> None:
    log_in(client, portal.alice)
    html = html_of(client.get("/portal/tickets?service_class=emergency"))
    assert f"#{portal.emergency.number}" in html and f"#{portal.help_desk.number}" not in html
    html = html_of(client.get("/portal/tickets?status=acknowledged"))
    assert f"#{portal.emergency.number}" in html and f"#{portal.professional.number}" not in html
    html = html_of(client.get("/portal/tickets?status=open&service_class=professional_service"))
    assert "1 ticket." in html and f"#{portal.professional.number}" in html
    html = html_of(client.get("/portal/tickets?status=bogus&service_class=' OR 1=1 --"))
    assert "4 tickets." in html  # unknown values mean "any"


def test_search_by_number_words_and_caller_number(client, portal) -> None:
    log_in(client, portal.alice)
    for query in (f"#{portal.emergency.number}", str(portal.emergency.number), "POINT OF SALE"):
        html = html_of(client.get("/portal/tickets", query_string={"q": query}))
        assert "1 ticket " in html and f"#{portal.emergency.number}" in html, query
    for query in ("(336) 555-0123", "5550123", "+13365550123"):
        html = html_of(client.get("/portal/tickets", query_string={"q": query}))
        assert f"#{portal.emergency.number}" in html, query  # Jane's call
    html = html_of(client.get("/portal/tickets", query_string={"q": "fryer"}))
    assert "0 tickets" in html  # the diner's ticket is not searched


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("%", ["100% down"]),
        ("_", ["under_score"]),
        ("'", ["O&#39;Brien", "Carol&#39;s label printer"]),
        ("--", ["runs --help"]),
        ("' OR 1=1 --", []),
        ("\\", ["back\\slash"]),
    ],
)
def test_search_takes_sql_metacharacters_literally(client, portal, session, query, found) -> None:
    words = ["100% down", "under_score", "O'Brien's till", "runs --help", "back\\slash", "plain"]
    for text in words:
        session.add(
            Ticket(
                service_class="help_desk",
                source="staff",
                client_id=portal.alice.client_id,
                description=text,
            )
        )
    session.commit()
    html = html_of(log_in(client, portal.alice).get("/portal/tickets", query_string={"q": query}))
    total = len(found)
    assert f"{total} ticket{'' if total == 1 else 's'} matching" in html
    for text in found:
        assert text in html
    assert "plain" not in html.split("matching", 1)[1]


def test_pages_of_25_newest_first(client, portal, session, clock) -> None:
    start = clock() - timedelta(days=60)
    for n in range(30):
        session.add(
            Ticket(
                service_class="help_desk",
                source="staff",
                status="resolved",
                client_id=portal.alice.client_id,
                description=f"old job {n:02d}",
                opened_at=start + timedelta(hours=n),
            )
        )
    session.commit()
    log_in(client, portal.alice)
    first = html_of(client.get("/portal/tickets?status=resolved"))
    assert "30 tickets." in first and "old job 29" in first and "old job 05" in first
    assert "old job 04" not in first and "Page 1 of 2" in first
    assert first.index("old job 29") < first.index("old job 28")
    second = html_of(client.get("/portal/tickets?status=resolved&page=2"))
    assert "old job 04" in second and "old job 00" in second and "old job 05" not in second
    assert 'href="/portal/tickets?page=1&amp;status=resolved"' in second
    for bad, shown in (("abc", 1), ("-3", 1), ("0", 1), ("9999999999", 1), ("99", 2)):
        html = html_of(client.get(f"/portal/tickets?status=resolved&page={bad}"))
        assert f"Page {shown} of 2" in html, bad


def test_phone_ticket_timeline(client, portal) -> None:
    html = html_of(log_in(client, portal.alice).get(f"/portal/tickets/{portal.emergency.number}"))
    assert "Why this class</dt><dd>weekend" in html
    assert "Classified emergency: weekend" in html
    # Client words only: who is on it by name, never the page's steps or numbers.
    assert "The on-call technician is being paged." in html
    assert "Dana Whitfield is working on it." in html
    assert "Step 1: paging Dana Whitfield" not in html and "(336) 555-0101" not in html
    assert "Sat 12/5/2026 11:10 PM EST" in html  # local time, not UTC
    assert "(336) 555-0123" in html and "Download the message" in html
    recording = f"/portal/tickets/{portal.emergency.number}/recording"
    assert f'<audio controls preload="none" src="{recording}">' in html
    assert "api.twilio.com" not in html
    assert "The point of sale is down" in html
    assert "8.00 h" in html and "12.00 h" in html  # 8 work hours x 1.5 drawn


def test_service_request_fields_on_the_ticket(client, portal) -> None:
    html = html_of(
        log_in(client, portal.alice).get(f"/portal/tickets/{portal.professional.number}")
    )
    assert "Preferred technician</dt><dd>Luis Romero" in html
    assert "Tue 12/8/2026 11:10 PM EST to Wed 12/9/2026 2:10 AM EST" in html
    assert "4.00 h" in html and "Not scheduled yet" in html
    assert "Apply my pre-paid hours to this ticket" in html


def test_agreements_page(client, portal) -> None:
    html = html_of(log_in(client, portal.alice).get("/portal/agreements"))
    assert "$95.00 / hour" in html and "$140.00 / hour" in html and "$210.00 / hour" in html
    assert "Emergency Support 2025" in html and "Ended" in html and "In force" in html
    assert "Emergency rate</dt><dd>—" in html  # the pre-paid agreement sets no rates
    assert "× 1.50" in html and "15-minute increments" in html
    assert "Help desk, professional services and emergency services" in html


def test_retainer_page_ledger(client, portal) -> None:
    html = html_of(log_in(client, portal.alice).get("/portal/retainer"))
    assert "85% used" in html and "Warning: 85%" in html
    assert "+20.00 h" in html and "-12.00 h" in html and "-5.00 h" in html
    assert "8.00 h × 1.50" in html and "5.00 h × 1" in html
    assert html.index("-12.00 h") < html.index("+20.00 h")  # newest first
    assert f'href="/portal/tickets/{portal.emergency.number}"' in html


def test_a_new_user_without_tickets(client, portal, session, directory) -> None:
    dora = make_user(session, "dora@diner.example", client=directory["diner"], name="Dora")
    html = html_of(log_in(client, dora).get("/portal/"))
    assert "No open tickets" in html and "No emergency calls" in html
    assert "No pre-paid hours purchased" in html
