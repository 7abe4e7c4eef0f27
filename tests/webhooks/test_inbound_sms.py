"""Technicians answer pages by text: signed webhooks from the call to the reply on the phone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.support.emergencies import emergency
from tests.support.outbox import outbox
from tests.support.people import DANA, JANE, LUIS, MARIA, PRIYA
from tests.support.replies import reply_of, text
from tests.support.rows import count_rows, fresh
from ticketing.models import Technician, Ticket, TicketEvent
from ticketing.paging.models import Escalation, InboundMessage

POLITE = (
    "This number only takes replies from Accelerando technicians. For support call (888) 899-1911."
)


def _escalation(session, ticket: Ticket) -> Escalation:
    return session.scalars(select(Escalation).where(Escalation.ticket_id == ticket.id)).one()


def test_dana_acks_the_page_and_the_client_is_told(phone, twilio, session, directory) -> None:
    ticket = emergency(phone, session)
    [page] = outbox(session, kind="page")
    answer = text(twilio, DANA, "ack")
    reply = reply_of(answer)
    assert reply.startswith(f"ACK #{ticket.number} Blue Ridge Bakery: it is yours")
    ticket = fresh(session, ticket)
    assert ticket.status == "acknowledged"
    assert ticket.acknowledged_by.name == "Dana Whitfield"
    assert _escalation(session, ticket).status == "acknowledged"
    assert outbox(session, id=page.id)[0].status == "cancelled"  # not yet relayed: never sent
    [notice] = outbox(session, kind="notice")
    assert notice.to_number == JANE and "Dana Whitfield is working on" in notice.body
    ack = next(e for e in ticket.events if e.kind == "acknowledged")
    assert ack.message.startswith("Acknowledged by Dana Whitfield (SMS).")
    inbound = session.scalars(select(InboundMessage)).one()
    assert (inbound.body, inbound.ticket_id) == ("ack", ticket.id)


def test_a_retried_webhook_changes_nothing_more(phone, twilio, session, directory) -> None:
    emergency(phone, session)
    first = text(twilio, DANA, "ack", sid="SM" + "1" * 32)
    counts = [count_rows(session, model) for model in (InboundMessage, TicketEvent)]
    pages = len(outbox(session))
    retry = text(twilio, DANA, "ack", sid="SM" + "1" * 32)
    assert retry.data == first.data
    assert [count_rows(session, model) for model in (InboundMessage, TicketEvent)] == counts
    assert len(outbox(session)) == pages


def test_bare_ack_with_two_open_pages_asks_which(phone, twilio, session, directory) -> None:
    bakery = emergency(phone, session, JANE)
    diner = emergency(phone, session, MARIA)
    reply = reply_of(text(twilio, DANA, "Ack"))
    assert reply.startswith("You have 2 open pages. Which one?")
    assert f"#{diner.number} Yadkin Valley Diner, #{bakery.number} Blue Ridge Bakery" in reply
    assert fresh(session, bakery).status == fresh(session, diner).status == "open"
    text(twilio, DANA, f"ACK #{diner.number}")
    assert fresh(session, diner).status == "acknowledged"
    assert fresh(session, bakery).status == "open"


def test_unknown_ticket_number(phone, twilio, session, directory) -> None:
    ticket = emergency(phone, session)
    reply = reply_of(text(twilio, DANA, "ACK 9999"))
    assert reply == f"There is no ticket #9999. Your open pages: #{ticket.number}."
    assert fresh(session, ticket).status == "open"


def test_res_resolves_and_stops_paging(phone, twilio, session, directory) -> None:
    ticket = emergency(phone, session)
    reply = reply_of(text(twilio, DANA, f"res {ticket.number} rebooted the router"))
    assert reply == f"Resolved #{ticket.number} Blue Ridge Bakery. Thank you."
    ticket = fresh(session, ticket)
    assert ticket.status == "resolved" and ticket.resolved_at is not None
    assert _escalation(session, ticket).status == "acknowledged"  # acknowledged on the way
    assert [e.kind for e in ticket.events][-1] == "resolved"


def test_esc_pages_the_next_person_now(phone, twilio, session, directory) -> None:
    ticket = emergency(phone, session)
    reply = reply_of(text(twilio, DANA, "ESC"))
    assert reply.startswith(f"ESC #{ticket.number}")
    # Not Dana again (step 2 calls her), and nobody is secondary: the manager, Priya.
    [call] = outbox(session, channel="call")
    assert (call.to_number, call.escalation_step) == (PRIYA, 3)
    timeline = " ".join(e.message for e in fresh(session, ticket).events)
    assert "Dana Whitfield asked to escalate now (SMS)." in timeline


def test_ne_with_a_reason_moves_it_to_the_help_desk(phone, twilio, session, directory) -> None:
    ticket = emergency(phone, session)
    reply = reply_of(text(twilio, DANA, "NE, only the receipt printer - they can still sell"))
    assert reply.endswith("Reason: only the receipt printer - they can still sell")
    ticket = fresh(session, ticket)
    assert ticket.service_class == "help_desk"
    assert _escalation(session, ticket).status == "cancelled"
    reclassified = [e.message for e in ticket.events if e.kind == "reclassified"]
    assert len(reclassified) == 1 and "only the receipt printer" in reclassified[0]


def test_help_lists_the_commands(twilio, session, directory) -> None:
    reply = reply_of(text(twilio, LUIS, "HELP", OptOutType="HELP"))
    assert reply.startswith("Pager commands: ACK 1042")
    for word in ("RES", "ESC", "NE"):
        assert word in reply


def test_gibberish_gets_the_command_list(twilio, session, directory) -> None:
    assert reply_of(text(twilio, DANA, "\U0001f525\U0001f525")).startswith("Sorry, I did not")


def test_stranger_gets_one_polite_answer_a_day(phone, twilio, session, directory, clock) -> None:
    ticket = emergency(phone, session)
    stranger = "+19195550100"
    assert reply_of(text(twilio, stranger, f"ACK {ticket.number}")) == POLITE
    assert fresh(session, ticket).status == "open"  # a stranger changes nothing
    clock.advance(timedelta(hours=12))
    assert reply_of(text(twilio, stranger, "hello?")) is None
    clock.advance(timedelta(hours=12, seconds=1))
    assert reply_of(text(twilio, stranger, "hello??")) == POLITE
    assert count_rows(session, InboundMessage) == 3


def test_stop_opts_dana_out_and_she_is_paged_by_call(phone, twilio, session, directory) -> None:
    answer = text(twilio, DANA, "STOP", OptOutType="STOP")
    assert reply_of(answer) is None
    session.expire_all()
    assert session.get(Technician, directory["dana"].id).sms_opted_out
    emergency(phone, session)
    assert [p.channel for p in outbox(session, kind="page")] == ["call"]
    reply = reply_of(text(twilio, DANA, "START", OptOutType="START"))
    assert reply.startswith("Texts are back on")
    session.expire_all()
    assert not session.get(Technician, directory["dana"].id).sms_opted_out


def test_unsigned_text_is_refused(client, session, directory) -> None:
    answer = client.post("/twilio/sms", data={"MessageSid": "SMx", "From": DANA, "Body": "ack"})
    assert answer.status_code == 403
    assert count_rows(session, InboundMessage) == 0


def test_a_failure_says_the_reply_did_not_count(twilio, session, directory, monkeypatch) -> None:
    def broken(*_args, **_kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr("webhooks.sms.handle_text", broken)
    reply = reply_of(text(twilio, DANA, "ack"))
    assert reply.startswith("Accelerando: your reply could not be processed")
    assert "(888) 899-1911" in reply


@pytest.mark.parametrize("body", ["yes", "YES"])
def test_yes_is_never_an_acknowledgement(phone, twilio, session, directory, body) -> None:
    ticket = emergency(phone, session)
    text(twilio, DANA, body, OptOutType="START")
    assert fresh(session, ticket).status == "open"
