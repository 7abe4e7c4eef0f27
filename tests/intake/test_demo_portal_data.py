"""`intake serve --demo` data fills every portal page: logins, agreements, pre-paid hours
at 85% used, months of tickets of every class, paid, open and void invoices."""

from __future__ import annotations

from datetime import date

import pytest
from flask import url_for
from sqlalchemy import func, select

from sandbox.demo.seed import DEMO_ADMIN, DEMO_LOGINS, DEMO_PASSWORD, seed_demo
from tests.support.logins import log_in
from ticketing.accounts.credentials import user_by_email, verify_password
from ticketing.billing import retainer
from ticketing.billing.models import Agreement, AgreementKind, Invoice
from ticketing.billing.msa import active_msa
from ticketing.billing.reports import usage
from ticketing.directory import client_by_account
from ticketing.models import Client, OutboxMessage, Ticket


def test_demo_data_is_added_once_and_fills_the_portal(session, clock) -> None:
    assert seed_demo(session, clock()) is True
    assert seed_demo(session, clock()) is False  # idempotent: nothing is added twice
    bakery = client_by_account(session, "1001")
    for email, _name, role, *_rest in DEMO_LOGINS:
        user = user_by_email(session, email)
        assert user is not None and user.role == role
        assert verify_password(user.password_hash, DEMO_PASSWORD)
    kinds = set(session.scalars(select(Agreement.kind).where(Agreement.client_id == bakery.id)))
    assert kinds == {"msa", "help_desk", "emergency_support", "prepaid_hours"}
    hours = retainer.summary(session, bakery.id)
    assert (hours.purchased, hours.used, hours.percent_used) == (20, 17, 85)
    assert hours.warning
    statuses = set(session.scalars(select(Invoice.status).where(Invoice.client_id == bakery.id)))
    assert statuses == {"paid", "issued", "void"}
    classes = session.execute(
        select(Ticket.service_class, func.count())
        .where(Ticket.client_id == bakery.id)
        .group_by(Ticket.service_class)
    ).all()
    assert {c for c, n in classes if n >= 3} == {"help_desk", "professional_service", "emergency"}
    assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0  # nothing sent
    report = usage(session, bakery.id, date(2026, 6, 1), date(2026, 11, 1))
    assert report.grand_total.tickets > 10 and report.ack.acknowledged > 5


@pytest.mark.parametrize("portal", [True, False], ids=["with-portal", "directory-only"])
def test_every_demo_client_with_an_msa_has_it_on_file(session, clock, portal) -> None:
    seed_demo(session, clock(), portal=portal)
    today = clock().date()

    clients = session.scalars(select(Client)).all()
    assert {client.has_msa for client in clients} == {True, False}
    for client in clients:
        msas = session.scalars(
            select(Agreement).where(
                Agreement.client_id == client.id, Agreement.kind == AgreementKind.MSA
            )
        ).all()
        assert len(msas) == (1 if client.has_msa else 0), client.name
        assert (active_msa(session, client, today) is not None) == client.has_msa, client.name


def test_every_portal_page_of_the_demo_admin_answers(app, client, session, clock) -> None:
    seed_demo(session, clock())
    session.commit()
    jane = user_by_email(session, DEMO_ADMIN)
    log_in(client, jane)
    ticket = session.scalars(select(Ticket).where(Ticket.client_id == jane.client_id)).first()
    invoice = session.scalars(select(Invoice).where(Invoice.client_id == jane.client_id)).first()
    with app.test_request_context():
        pages = [url_for(e) for e in ("portal.home", "portal.tickets", "portal.invoices")]
        pages += [url_for(e) for e in ("portal.agreements", "portal.retainer", "portal.reports")]
        pages += [url_for("portal.ticket", number=ticket.number)]
        pages += [url_for("portal.invoice", invoice_id=invoice.id)]
    for page in pages:
        answer = client.get(page)
        assert answer.status_code == 200, page
