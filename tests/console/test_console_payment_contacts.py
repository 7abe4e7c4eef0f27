"""The console's worklist of tickets flagged "contact for payment" (no Master Services
Agreement on file): staff see each flagged ticket until someone marks it done, which is
audited and noted on the ticket's timeline; clients never reach it."""

from __future__ import annotations

from sqlalchemy import select

from tests.support.forms import post
from tests.support.logins import as_client_user, as_staff
from tests.support.pages import html_of
from tests.support.tickets import add_ticket
from ticketing.audit.models import AuditEntry
from ticketing.models import Ticket

PAGE = "/console/payments"


def _flagged(session, directory, payment_contact: bool = True) -> Ticket:
    ticket = add_ticket(session, directory["diner"], "emergency")
    ticket.payment_contact = payment_contact
    session.commit()
    return ticket


def test_flagged_tickets_wait_on_the_worklist(client, session, directory) -> None:
    flagged = _flagged(session, directory)
    other = _flagged(session, directory, payment_contact=False)
    as_staff(client, session)

    page = html_of(client.get(PAGE))

    assert f'href="/console/tickets/{flagged.number}"' in page
    assert f'href="/console/tickets/{other.number}"' not in page
    assert "Yadkin Valley Diner" in page


def test_marking_one_done_takes_it_off_audited_and_on_the_timeline(
    client, session, directory
) -> None:
    flagged = _flagged(session, directory)
    as_staff(client, session)

    done = post(client, f"{PAGE}/{flagged.number}/done")

    assert done.status_code == 303
    assert f'href="/console/tickets/{flagged.number}"' not in html_of(client.get(PAGE))
    session.expire_all()
    ticket = session.get(Ticket, flagged.id)
    assert ticket.payment_contacted_at is not None and ticket.payment_contacted_by
    [entry] = [
        e
        for e in session.scalars(select(AuditEntry))
        if e.subject_type == "ticket" and "payment_contacted_at" in (e.after or {})
    ]
    assert entry.source == "console"
    assert any(e.kind == "payment_contact" and "contacted" in e.message for e in ticket.events)
    again = post(client, f"{PAGE}/{flagged.number}/done")
    assert again.status_code == 400


def test_clients_never_reach_it(client, session, directory) -> None:
    flagged = _flagged(session, directory)
    as_client_user(client, session, directory["diner"])

    assert client.get(PAGE).status_code == 404
    assert post(client, f"{PAGE}/{flagged.number}/done").status_code == 404
