"""Invoices in the client portal: the list, one invoice, the print page and the PDF; who may
see them (another company's invoice, a draft, a user without billing permission: 404);
and what the pay button says when card payments are not set up."""

from __future__ import annotations

import re
import zlib
from decimal import Decimal

import pytest

from portal_web.portal.invoice_pdf import latin1
from tests.support.invoices import add_invoice
from tests.support.logins import log_in
from tests.support.users import make_user
from ticketing.billing.models import Payment
from ticketing.models import Ticket

CALLER_WORDS = 'POS down <script>alert("x")</script> “again” 😱'


@pytest.fixture
def billing(session, directory):
    """The bakery: an open invoice (partly paid, one line billing a ticket, one line in a
    caller's words), a paid, a void and a draft one; the diner: one open invoice."""
    bakery, diner = directory["bakery"], directory["diner"]
    ticket = Ticket(service_class="emergency", client_id=bakery.id, status="resolved")
    session.add(ticket)
    session.flush()
    open_one = add_invoice(
        session,
        bakery,
        "INV-2026-0101",
        [
            ("Emergency call, registers down", "1.50", "150.00", ticket.id),
            (CALLER_WORDS, "1", "40"),
        ],
    )
    session.add(Payment(invoice=open_one, amount=Decimal("100.00"), method="check", reference="c1"))
    paid = add_invoice(session, bakery, "INV-2026-0090", [("Help desk", "2", "95")], status="paid")
    void = add_invoice(session, bakery, "INV-2026-0095", [("Mistake", "1", "10")], status="void")
    draft = add_invoice(
        session, bakery, "INV-DRAFT-7", [("Not yet", "1", "1")], status="draft", issued_on=None
    )
    other = add_invoice(session, diner, "INV-2026-0200", [("Diner work", "3", "100")])
    admin = make_user(session, "owner@bakery.example", client=bakery, role="client_admin")
    session.commit()
    ids = {"open": open_one, "paid": paid, "void": void, "draft": draft, "other": other}
    return {"admin": admin, "ticket": ticket, **{k: v.id for k, v in ids.items()}}


def _routes(invoice_id: int) -> list[tuple[str, str]]:
    base = f"/portal/invoices/{invoice_id}"
    return [
        ("GET", base),
        ("GET", base + "/print"),
        ("GET", base + ".pdf"),
        ("POST", base + "/pay"),
    ]


def _pdf_text(pdf: bytes) -> str:
    """The PDF's text streams, inflated."""
    out = [pdf.decode("latin-1")]
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            out.append(zlib.decompress(stream).decode("latin-1"))
        except zlib.error:
            continue
    return "\n".join(out)


def test_the_list_shows_open_paid_and_void_invoices_with_the_open_total(client, billing):
    log_in(client, billing["admin"])
    page = client.get("/portal/invoices")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for number in ("INV-2026-0101", "INV-2026-0090", "INV-2026-0095"):
        assert number in html
    assert "INV-DRAFT-7" not in html and "INV-2026-0200" not in html
    # 225.00 + 40.00 billed, 100.00 paid by check: 165.00 open.
    assert re.search(r'id="open-total">\$165\.00<', html)
    assert "invoice-void" in html  # greyed
    assert "overdue" in html  # due Dec 1, today is Dec 5


def test_an_invoice_shows_its_lines_payments_and_balance(client, billing):
    log_in(client, billing["admin"])
    html = client.get(f"/portal/invoices/{billing['open']}").get_data(as_text=True)
    assert "Emergency call, registers down" in html
    assert f'href="/portal/tickets/{billing["ticket"].id}"' in html
    assert "$150.00" in html and "$225.00" in html and "$265.00" in html
    assert "-$100.00" in html and "(check)" in html
    assert 'class="balance-due">$165.00<' in html
    assert f"/portal/invoices/{billing['open']}/print" in html
    assert f"/portal/invoices/{billing['open']}.pdf" in html


def test_a_callers_words_on_a_line_are_escaped_everywhere(client, billing):
    log_in(client, billing["admin"])
    for path in (
        f"/portal/invoices/{billing['open']}",
        f"/portal/invoices/{billing['open']}/print",
    ):
        html = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in html
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
        assert "😱" in html


def test_the_print_page_has_no_menu_and_the_totals(client, billing):
    log_in(client, billing["admin"])
    page = client.get(f"/portal/invoices/{billing['open']}/print")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<nav" not in html and "Log out" not in html
    assert "portal.css" in html and "invoice_print.js" in html
    assert "<script>" not in html  # the CSP allows no inline script
    assert "Invoice INV-2026-0101" in html and "Balance due" in html and "$165.00" in html


def test_the_pdf_is_a_download_with_the_invoice_number(client, billing):
    log_in(client, billing["admin"])
    response = client.get(f"/portal/invoices/{billing['open']}.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="invoice-INV-2026-0101.pdf"'
    )
    assert response.data.startswith(b"%PDF")
    text = _pdf_text(response.data)
    assert "INV-2026-0101" in text and "165.00" in text


def test_text_outside_latin1_is_transliterated_for_the_pdf():
    assert latin1("“Café” — 5€… 😱") == '"Café" - 5EUR... ?'
    assert latin1("e\u0301t\u00e9 ﬁx\x00") == "été fix "


def test_another_companys_invoice_or_a_draft_is_not_found(app, client, billing):
    app.config["WTF_CSRF_ENABLED"] = False  # the POST must reach the view to be refused
    log_in(client, billing["admin"])
    for invoice_id in (billing["other"], billing["draft"], 999_999):
        for method, path in _routes(invoice_id):
            response = client.open(path, method=method)
            assert response.status_code == 404, (method, path)


def test_a_user_sees_invoices_only_with_the_billing_permission(
    app, client, session, billing, directory
):
    app.config["WTF_CSRF_ENABLED"] = False
    bakery = directory["bakery"]
    plain = make_user(session, "clerk@bakery.example", client=bakery)
    payer = make_user(session, "books@bakery.example", client=bakery, billing=True)
    session.commit()
    log_in(client, plain)
    assert client.get("/portal/invoices").status_code == 404
    for method, path in _routes(billing["open"]):
        assert client.open(path, method=method).status_code == 404, (method, path)
    log_in(client, payer)
    assert client.get("/portal/invoices").status_code == 200
    for path in ("", "/print", ".pdf"):
        assert client.get(f"/portal/invoices/{billing['open']}{path}").status_code == 200
    assert client.get(f"/portal/invoices/{billing['other']}.pdf").status_code == 404


def test_staff_and_strangers_do_not_get_client_invoices(client, session, billing):
    assert client.get("/portal/invoices").status_code in (302, 401)
    assert client.get(f"/portal/invoices/{billing['open']}.pdf").status_code in (302, 401)
    staff = make_user(session, "tech@firm.example", role="staff")
    session.commit()
    log_in(client, staff)
    assert client.get(f"/portal/invoices/{billing['open']}").status_code == 404


def test_without_stripe_the_page_says_how_else_to_pay(app, client, billing):
    app.config["WTF_CSRF_ENABLED"] = False
    log_in(client, billing["admin"])
    html = client.get(f"/portal/invoices/{billing['open']}").get_data(as_text=True)
    assert "Card payments are not set up" in html and "(888) 899-1911" in html
    assert "mail a check" in html
    assert "/pay" not in html  # no dead button
    paid = client.post(f"/portal/invoices/{billing['open']}/pay")
    assert paid.status_code == 303
    assert paid.headers["Location"].endswith(f"/portal/invoices/{billing['open']}")
    shown = client.get(paid.headers["Location"]).get_data(as_text=True)
    assert "Card payments are not set up. To pay invoice INV-2026-0101" in shown


def test_without_a_webhook_secret_the_webhook_does_not_exist(client):
    answer = client.post("/stripe/webhook", data="{}", headers={"Stripe-Signature": "t=1,v1=0"})
    assert answer.status_code == 404


def test_a_paid_invoice_has_nothing_to_pay(client, billing):
    log_in(client, billing["admin"])
    html = client.get(f"/portal/invoices/{billing['paid']}").get_data(as_text=True)
    assert "Paid in full" in html and "/pay" not in html
    void = client.get(f"/portal/invoices/{billing['void']}").get_data(as_text=True)
    assert "cancelled (void)" in void
