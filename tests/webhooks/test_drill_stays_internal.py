"""A drill of a client's caller (`intake drill call --from` a contact's number) is the firm's
rehearsal: no portal page, report, billing run or outbound webhook ever shows it, while the
console marks it DRILL; and the command's caller plays the whole call in-process."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from intake.cli.drill import DRILL_WORDS, drill_report, run_drill
from tests.support.billing import work
from tests.support.drills import DrillPhoneCall, in_process, marker
from tests.support.logins import as_staff, log_in
from tests.support.moments import NY
from tests.support.people import DANA, JANE, LUIS
from tests.support.twilio import PUBLIC_BASE_URL
from tests.support.users import make_user
from ticketing.billing.monthly_run import run_billing
from ticketing.billing.reports import usage
from ticketing.integrations.endpoints import add_endpoint
from ticketing.models import OutboxKind, OutboxMessage, Ticket

CHRISTMAS_EVE_NIGHT = "2026-12-24 21:30"


def _drill_of_jane(twilio, clock) -> None:
    call = DrillPhoneCall(twilio, "CA" + "5" * 32, JANE).drill(marker(CHRISTMAS_EVE_NIGHT, clock()))
    call.ring()
    call.record()
    call.post("/twilio/voice/callback/confirm", Digits="1")


def test_the_portal_never_shows_a_drill(client, twilio, session, directory, clock) -> None:
    _drill_of_jane(twilio, clock)
    ticket = session.scalars(select(Ticket)).one()
    assert ticket.drill and ticket.client_id == directory["bakery"].id
    admin = make_user(session, "owner@bakery.test", client=directory["bakery"], role="client_admin")
    log_in(client, admin)
    assert client.get(f"/portal/tickets/{ticket.number}").status_code == 404
    assert f"#{ticket.number}" not in client.get("/portal/tickets").get_data(as_text=True)
    assert f"#{ticket.number}" not in client.get("/portal/").get_data(as_text=True)


def test_the_console_marks_a_drill(client, twilio, session, directory, clock) -> None:
    _drill_of_jane(twilio, clock)
    ticket = session.scalars(select(Ticket)).one()
    as_staff(client, session)
    page = client.get(f"/console/tickets/{ticket.number}").get_data(as_text=True)
    assert 'class="badge drill"' in page
    assert 'class="badge drill"' in client.get("/console/tickets").get_data(as_text=True)


def test_reports_billing_and_webhooks_leave_a_drill_out(twilio, session, directory, clock) -> None:
    add_endpoint(session, "https://tool.example.com/hook", now=clock())
    session.commit()
    _drill_of_jane(twilio, clock)
    ticket = session.scalars(select(Ticket)).one()
    webhooks = session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == OutboxKind.WEBHOOK)
    ).all()
    assert webhooks == []
    work(session, ticket, directory["dana"], "2026-12-05 23:10", 45, clock())
    report = usage(session, directory["bakery"].id, date(2026, 12, 1), date(2026, 12, 1))
    assert report.grand_total.tickets == 0
    clock.advance(timedelta(days=30))
    ran = run_billing(
        session,
        "2026-12",
        now=clock(),
        public_base_url=PUBLIC_BASE_URL,
        timezone="America/New_York",
        firm_name="Test",
    )
    assert not ran.invoices


def test_the_command_s_caller_plays_the_drill_to_its_end(client, session, directory, app, clock):
    lines: list[str] = []
    found = marker(CHRISTMAS_EVE_NIGHT, clock(), page_to=LUIS)
    transcript = run_drill(
        PUBLIC_BASE_URL,
        app.config["SETTINGS"],
        found,
        from_number="+13365550199",
        answers=(),
        out=lines.append,
        session=in_process(client, PUBLIC_BASE_URL),
    )
    assert transcript.error is None, lines
    assert DRILL_WORDS in transcript.recordings
    with app.app_context():
        report = drill_report(session, transcript.call_sid, NY)
    ticket = session.scalars(select(Ticket)).one()
    assert report[0] == f"ticket #{ticket.number} (DRILL)"
    assert report[1].startswith(
        "class: emergency (holiday: Christmas Eve), as if at Thu 2026-12-24"
    )
    assert report[2:] == ["paged: Luis Romero ((336) 555-0102) by SMS (pending)"]
    assert DANA not in " ".join(report)
