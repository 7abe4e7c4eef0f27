"""The console's billing page: unbilled time per client, the monthly run (issued or
drafts, never twice), bad months refused with nothing saved, issue and void, staff only."""

from __future__ import annotations

from sqlalchemy import select

from tests.support.billing import add_agreement, work
from tests.support.forms import post
from tests.support.logins import as_staff, log_in
from tests.support.pages import html_of
from tests.support.tickets import add_ticket
from tests.support.users import make_user
from ticketing.billing.models import Invoice, TimeEntry

RUN = "/console/billing/run"


def _bakery_time(session, directory, clock) -> TimeEntry:
    """90 minutes of emergency work for Blue Ridge Bakery in November 2026."""
    bakery = directory["bakery"]
    add_agreement(session, bakery, emergency="225.00")
    ticket = add_ticket(session, bakery, "emergency")
    entry = work(session, ticket, directory["dana"], "2026-11-10 09:00", 90, clock(), "Router")
    session.commit()
    return entry


def _invoices(session) -> list[Invoice]:
    session.expire_all()
    return list(session.scalars(select(Invoice).order_by(Invoice.id)))


def _unbilled(session) -> list[TimeEntry]:
    session.expire_all()
    return list(session.scalars(select(TimeEntry).where(TimeEntry.invoice_line_id.is_(None))))


def test_the_page_lists_unbilled_time(client, session, directory, clock) -> None:
    _bakery_time(session, directory, clock)
    as_staff(client, session)
    html = html_of(client.get("/console/billing"))
    assert "Blue Ridge Bakery" in html and ">90<" in html
    assert 'action="/console/billing/run"' in html and "No invoices yet" in html


def test_a_run_makes_one_invoice_and_not_twice(client, session, directory, clock) -> None:
    _bakery_time(session, directory, clock)
    as_staff(client, session)
    response = post(client, RUN, {"month": "2026-11"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/billing")
    [invoice] = _invoices(session)
    assert invoice.status == "issued" and invoice.period == "2026-11" and invoice.total > 0
    assert _unbilled(session) == []
    html = html_of(client.get("/console/billing"))
    assert "1 invoice(s) issued" in html and invoice.number in html
    assert "No unbilled time" in html
    assert post(client, RUN, {"month": "2026-11"}).status_code == 303
    assert len(_invoices(session)) == 1
    assert "nothing new to bill" in html_of(client.get("/console/billing"))


def test_bad_months_are_refused_and_nothing_is_saved(client, session, directory, clock) -> None:
    _bakery_time(session, directory, clock)
    as_staff(client, session)
    for month, message in (("2026-13", "is not a month"), ("2026-12", "is not over yet")):
        response = post(client, RUN, {"month": month})
        assert response.status_code == 400, month
        assert message in response.get_data(as_text=True)
    assert _invoices(session) == [] and len(_unbilled(session)) == 1


def test_a_draft_is_issued_and_an_invoice_voided(client, session, directory, clock) -> None:
    _bakery_time(session, directory, clock)
    as_staff(client, session)
    assert post(client, RUN, {"month": "2026-11", "draft": "1"}).status_code == 303
    [draft] = _invoices(session)
    assert draft.status == "draft" and draft.number.startswith("DRAFT-")
    draft_number = draft.number
    assert post(client, f"/console/billing/invoices/{draft_number}/void").status_code == 303
    assert _invoices(session)[0].status == "void" and len(_unbilled(session)) == 1
    # Voided: the time is unbilled again, so a re-run drafts it afresh; then issue that.
    assert post(client, RUN, {"month": "2026-11", "draft": "1"}).status_code == 303
    second = _invoices(session)[1]
    assert second.status == "draft"
    issued = post(client, f"/console/billing/invoices/{second.number}/issue")
    assert issued.status_code == 303
    second = _invoices(session)[1]
    assert second.status == "issued" and second.number.startswith("INV")
    # Issuing it again is refused, with the reason on the page.
    again = post(client, f"/console/billing/invoices/{second.number}/issue")
    assert again.status_code == 400 and "not a draft" in again.get_data(as_text=True)


def test_an_unknown_invoice_is_a_404_with_the_reason(client, session, directory) -> None:
    as_staff(client, session)
    response = post(client, "/console/billing/invoices/INV-NOPE/void")
    assert response.status_code == 404 and "there is no invoice" in response.get_data(as_text=True)


def test_client_accounts_get_404(client, session, directory, clock) -> None:
    _bakery_time(session, directory, clock)
    user = make_user(
        session, "ann@bakery.example", client=directory["bakery"], role="client_admin", name="Ann"
    )
    log_in(client, user)
    assert client.get("/console/billing").status_code == 404
    assert post(client, RUN, {"month": "2026-11"}).status_code == 404
    for action in ("issue", "void"):
        assert post(client, f"/console/billing/invoices/X/{action}").status_code == 404
    assert _invoices(session) == []


def test_the_run_needs_a_csrf_token(client, session, directory, clock) -> None:
    _bakery_time(session, directory, clock)
    as_staff(client, session)
    assert client.post(RUN, data={"month": "2026-11"}).status_code == 400
    assert _invoices(session) == [] and len(_unbilled(session)) == 1


def test_the_menu_links_to_billing(client, session) -> None:
    as_staff(client, session)
    assert 'href="/console/billing"' in html_of(client.get("/console/"))
