"""Technicians' texts without Flask: the parser's rules, and what each text does and says."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from ticketing.models import OutboxMessage, Technician, Ticket
from ticketing.paging.escalation import start_escalation
from ticketing.paging.models import Escalation, InboundMessage
from ticketing.paging.replies import Command, Reply, handle_text, parse_reply
from ticketing.sms_text import segments

ACK, RES, ESC, NE = Command.ACK, Command.RESOLVE, Command.ESCALATE, Command.NOT_EMERGENCY
DANA, LUIS, PRIYA = "+13365550101", "+13365550102", "+13365550103"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("ACK", Reply(ACK)),
        ("ack", Reply(ACK)),
        ("Ack", Reply(ACK)),
        ("  ack  ", Reply(ACK)),
        ("ACK 1042", Reply(ACK, 1042)),
        ("Ack 1042", Reply(ACK, 1042)),
        ("ACK #1042", Reply(ACK, 1042)),
        ("ack # 1042", Reply(ACK, 1042)),
        ("ACK1042", Reply(ACK, 1042)),
        ("ack, 1042", Reply(ACK, 1042)),
        ("Ack: ticket 1042", Reply(ACK, 1042)),
        ("ack tkt 1042", Reply(ACK, 1042)),
        ("ack no. 1042", Reply(ACK, 1042)),
        ("ACK 1042.", Reply(ACK, 1042)),
        ("ack 1042 on my way", Reply(ACK, 1042, "on my way")),
        ("ack, on it", Reply(ACK, None, "on it")),
        ("ack no problem", Reply(ACK, None, "no problem")),
        ("Acknowledged", Reply(ACK)),
        ("acknowledge 1042", Reply(ACK, 1042)),
        ("1042 ack", Reply(ACK, 1042)),
        ("#1042 ACK", Reply(ACK, 1042)),
        ("1042, ack", Reply(ACK, 1042)),
        ("\U0001f44d ack", Reply(ACK)),
        ("ack \U0001f44d", Reply(ACK, None, "\U0001f44d")),
        ('"ACK 1042"', Reply(ACK, 1042, '"')),
        ("\uff21\uff23\uff2b \uff11\uff10\uff14\uff12", Reply(ACK, 1042)),  # full-width
        ("ack\u00a01042", Reply(ACK, 1042)),  # no-break space
        ("RES", Reply(RES)),
        ("res 1042", Reply(RES, 1042)),
        ("Resolved #1042 - rebooted the router", Reply(RES, 1042, "rebooted the router")),
        ("ESC", Reply(ESC)),
        ("esc 1042 can't make it", Reply(ESC, 1042, "can't make it")),
        ("Escalate", Reply(ESC)),
        ("NE", Reply(NE)),
        ("NE 1042 just a printer, can wait", Reply(NE, 1042, "just a printer, can wait")),
        ("ne: only one printer down", Reply(NE, None, "only one printer down")),
        ("HELP", Reply(Command.HELP)),
        ("help 1042", Reply(Command.HELP)),
        ("info", Reply(Command.HELP)),
        ("?", Reply(Command.HELP)),
    ],
)
def test_commands_are_read_tolerantly(body: str, expected: Reply) -> None:
    assert parse_reply(body) == expected


@pytest.mark.parametrize(
    "body",
    [
        "",
        "   ",
        "\U0001f525",
        "1042",
        "ok",
        "on it",
        "need help",  # not NE, not HELP: the command is the first word
        "reset 1042",  # not RES
        "acking it",  # not ACK
        "nearly there",  # not NE
        "escape",  # not ESC
        "what?",
    ],
)
def test_anything_else_is_not_understood(body: str) -> None:
    assert parse_reply(body) == Reply(Command.UNKNOWN)


@pytest.mark.parametrize(
    "word", ["STOP", "stop", "Stop.", "STOPALL", "unsubscribe", "CANCEL", "end", "Quit!"]
)
def test_twilio_stop_words_are_opt_outs_not_commands(word: str) -> None:
    assert parse_reply(word) == Reply(Command.OPT_OUT)


@pytest.mark.parametrize("word", ["START", "yes", "YES", "Yes!", "unstop"])
def test_yes_and_start_are_opt_ins_never_ack(word: str) -> None:
    assert parse_reply(word) == Reply(Command.OPT_IN)


@pytest.mark.parametrize("body", ["stop paging me", "yes 1042", "cancel 1042", "end of shift"])
def test_keywords_inside_a_sentence_mean_nothing(body: str) -> None:
    assert parse_reply(body).command is Command.UNKNOWN


# --- handle_text, on the database ---------------------------------------------------------

_sid = itertools.count(1)


def _text(session, clock, sender: str, body: str, opt_out_type: str | None = None, sid=None):
    return handle_text(
        session,
        message_sid=sid or f"SMunit{next(_sid)}",
        from_number=sender,
        body=body,
        opt_out_type=opt_out_type,
        now=clock(),
    )


def _paged(session, directory, clock, client: str = "bakery", **fields) -> Ticket:
    """An emergency from `client` whose first page (SMS to Dana) is in the outbox."""
    ticket = Ticket(
        service_class="emergency",
        client_id=directory[client].id,
        callback_number="+13365550123",
        **fields,
    )
    session.add(ticket)
    session.flush()
    start_escalation(session, ticket, now=clock())
    return ticket


def _last_inbound(session) -> InboundMessage:
    return session.scalars(select(InboundMessage).order_by(InboundMessage.id.desc())).first()


def test_bare_ack_takes_the_only_open_page(session, directory, clock) -> None:
    ticket = _paged(session, directory, clock)
    answer = _text(session, clock, DANA, "ack")
    assert ticket.status == "acknowledged" and ticket.acknowledged_by.name == "Dana Whitfield"
    assert answer.startswith(f"ACK #{ticket.number} Blue Ridge Bakery: it is yours")
    assert "(336) 555-0123" in answer
    inbound = _last_inbound(session)
    assert (inbound.ticket_id, inbound.technician_id) == (ticket.id, directory["dana"].id)
    assert inbound.outcome == f"ack #{ticket.number}: done"


def test_same_message_sid_is_handled_once(session, directory, clock) -> None:
    ticket = _paged(session, directory, clock)
    assert _text(session, clock, DANA, "ack", sid="SMdup") is not None
    assert _text(session, clock, DANA, "res", sid="SMdup") is None
    assert ticket.status == "acknowledged"
    count = select(func.count()).select_from(InboundMessage)
    assert session.scalar(count) == 1


def test_a_colleague_may_take_a_page_and_is_told_so(session, directory, clock) -> None:
    ticket = _paged(session, directory, clock)
    answer = _text(session, clock, LUIS, f"ACK {ticket.number}")
    assert ticket.acknowledged_by.name == "Luis Romero"
    assert "not sent to you" in answer
    later = _text(session, clock, DANA, f"ack {ticket.number}")
    assert later == f"#{ticket.number} was already taken by Luis Romero. Nothing changed."


def test_bare_ack_with_no_open_page(session, directory, clock) -> None:
    answer = _text(session, clock, LUIS, "ack")
    assert answer.startswith("You have no open page for ACK")
    assert _last_inbound(session).outcome == "no open page"


def test_bare_res_finds_the_ticket_i_acknowledged(session, directory, clock) -> None:
    ticket = _paged(session, directory, clock)
    _text(session, clock, DANA, "ack")
    answer = _text(session, clock, DANA, "RES")
    assert ticket.status == "resolved"
    assert answer == f"Resolved #{ticket.number} Blue Ridge Bakery. Thank you."


def test_unknown_ticket_lists_the_senders_open_pages(session, directory, clock) -> None:
    ticket = _paged(session, directory, clock)
    answer = _text(session, clock, DANA, "ACK 9999")
    assert answer == f"There is no ticket #9999. Your open pages: #{ticket.number}."
    assert ticket.status == "open"


def test_a_number_too_long_for_a_ticket_is_unknown(session, directory, clock) -> None:
    answer = _text(session, clock, DANA, "ack 123456789012345678901234567890")
    assert answer.startswith("There is no ticket #123456789...")


def test_help_desk_ticket_cannot_be_acknowledged(session, directory, clock) -> None:
    ticket = _paged(session, directory, clock)
    _text(session, clock, DANA, "NE printer only")
    answer = _text(session, clock, DANA, f"ack {ticket.number}")
    assert "help desk ticket, not an emergency" in answer
    assert ticket.status == "open" and ticket.acknowledged_by is None


def test_ne_keeps_the_reason_and_stops_paging(session, directory, clock) -> None:
    ticket = _paged(session, directory, clock)
    answer = _text(session, clock, DANA, f"NE {ticket.number} only the label printer is down")
    assert ticket.service_class == "help_desk"
    assert "only the label printer is down" not in ticket.classification_reason  # for staff
    assert any("only the label printer is down" in e.message for e in ticket.events)
    assert answer.endswith("Reason: only the label printer is down")
    escalation = session.scalars(select(Escalation)).one()
    assert escalation.status == "cancelled"


def test_esc_fires_the_next_step_for_someone_else_now(session, directory, clock) -> None:
    ticket = _paged(session, directory, clock)
    answer = _text(session, clock, DANA, "esc")
    assert answer.startswith(f"ESC #{ticket.number}")
    calls = session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "call")).all()
    assert [(c.escalation_step, c.to_number) for c in calls] == [(3, PRIYA)]


def test_every_answer_fits_two_segments(session, directory, clock) -> None:
    directory["bakery"].name = ("The Very Long Named Blue Ridge Bakery {and Cafe} " * 4)[:200]
    first = _paged(session, directory, clock)
    _paged(session, directory, clock, "diner")  # another company: its own escalation
    answers = [
        _text(session, clock, DANA, "ack"),  # ambiguous: lists both
        _text(session, clock, DANA, f"ack {first.number}"),
        _text(session, clock, DANA, f"NE {first.number} " + "words " * 200),
        _text(session, clock, DANA, "help"),
        _text(session, clock, DANA, "what?"),
        _text(session, clock, "+19195550100", "hello"),
    ]
    assert all(answer and segments(answer) <= 2 for answer in answers), answers
    assert answers[0].startswith("You have 2 open pages. Which one?")
    assert answers[1].endswith(f"Reply RES {first.number} when fixed.")  # never cut off


def test_stop_opts_out_every_technician_on_that_number(session, directory, clock) -> None:
    assert _text(session, clock, DANA, "STOP", opt_out_type="STOP") is None
    assert session.get(Technician, directory["dana"].id).sms_opted_out
    assert _last_inbound(session).outcome == "opted out of texts (STOP): pages go by voice"
    assert _text(session, clock, DANA, "start").startswith("Texts are back on")
    assert not session.get(Technician, directory["dana"].id).sms_opted_out


def test_opt_out_type_wins_over_the_words(session, directory, clock) -> None:
    """Twilio's Advanced Opt-Out may treat other words as STOP: it has already acted."""
    assert _text(session, clock, DANA, "arret", opt_out_type="STOP") is None
    assert session.get(Technician, directory["dana"].id).sms_opted_out


def test_stranger_gets_one_answer_a_day(session, directory, clock) -> None:
    polite = (
        "This number only takes replies from Accelerando technicians. "
        "For support call (888) 899-1911."
    )
    assert _text(session, clock, "+19195550100", "ack") == polite
    clock.advance(timedelta(hours=23, minutes=59))
    assert _text(session, clock, "+19195550100", "hello?") is None
    assert _text(session, clock, "+19195550199", "hi") == polite  # another number
    clock.advance(timedelta(minutes=2))
    assert _text(session, clock, "+19195550100", "anyone?") == polite


def test_stranger_stop_is_kept_but_changes_nothing(session, directory, clock) -> None:
    assert _text(session, clock, "+19195550100", "STOP") is None
    assert _last_inbound(session).outcome == "opt-out from unknown sender"
    assert not any(t.sms_opted_out for t in session.scalars(select(Technician)))
