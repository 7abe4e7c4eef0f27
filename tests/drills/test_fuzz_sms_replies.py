"""Bad input in technicians' texts: the reply parser on arbitrary unicode, GSM-7 and
UCS-2 text, emoji, control characters and 2,000-character bodies; canonical commands in every
spelling round-trip; odd ticket numbers; and /twilio/sms never fails, answers in at most two
GSM-7 segments, and a text from an unknown number never changes a ticket."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from ivr.phones import to_e164
from tests.support.emergencies import emergency
from tests.support.fuzz import (
    ODD_FROM,
    assert_safe_answer,
    assert_whole,
    counted,
    example_scope,
    fuzz_settings,
    post_signed_form,
    unexpected_failures,
    webhook_failures,
)
from tests.support.people import DANA, LUIS
from tests.support.twilio import AUTH_TOKEN, PUBLIC_BASE_URL
from ticketing.models import OutboxMessage, Technician, Ticket, TicketEvent
from ticketing.paging.reply_parser import MAX_REST, Command, Reply, parse_reply
from ticketing.sms_text import GSM7_BASIC, GSM7_EXTENDED, segments

GSM7 = "".join(sorted(GSM7_BASIC | GSM7_EXTENDED))
EMOJI = ["👍", "🙏", "🔥", "👩‍💻", "🇺🇸", "✅", "❤️", "😀"]
CONTROL = [chr(c) for c in range(32)] + ["\x7f", "\u200b", "\u200e", "\u202e", "\ufeff"]

# Texts as phones send them: GSM-7, UCS-2 (the BMP), emoji, control characters, anything.
texts = st.one_of(
    st.text(st.sampled_from(GSM7), max_size=2000),
    st.text(st.characters(max_codepoint=0xFFFF, exclude_categories=("Cs",)), max_size=400),
    st.lists(st.sampled_from(EMOJI + CONTROL + list("ACK 1042#")), max_size=200).map("".join),
    st.text(max_size=2000),
    st.builds(
        lambda piece, n: (piece * n)[:2000], st.text(min_size=1, max_size=9), st.integers(1, 2000)
    ),
)

ACTIONS = {
    Command.ACK: ["ack", "acknowledge", "acknowledged"],
    Command.RESOLVE: ["res", "resolve", "resolved"],
    Command.ESCALATE: ["esc", "escalate", "escalated"],
    Command.NOT_EMERGENCY: ["ne"],
}
# Decimal digits of other scripts (Arabic-Indic, Devanagari, Bengali, Thai, full-width,
# mathematical bold): a phone keyboard may send any of them.
DIGIT_ZEROS = [0x30, 0x660, 0x6F0, 0x966, 0x9E6, 0xE50, 0xFF10, 0x1D7CE]
# Between a command and its number: spaces, punctuation, dashes a phone's smart punctuation
# makes of "-", emoji, invisible characters.
SEPARATORS = [
    "",
    " ",
    "  ",
    ": ",
    ", ",
    " - ",
    ".",
    "\u00a0",
    "\u200b",
    "\n",
    "!",
    " – ",
    " — ",
    " (",
    " '",
    " “",
    "...",
    " +",
    " −",
    "=",
    " 👍 ",
]


def _in_script(number: int, zero: int) -> str:
    return "".join(chr(zero + int(d)) for d in str(number))


def _spelled(word: str, style: str) -> str:
    if style == "upper":
        return word.upper()
    if style == "title":
        return word.title()
    if style == "wide":  # full-width letters
        return "".join(chr(ord(c.upper()) - 0x41 + 0xFF21) for c in word)
    return word


@st.composite
def canonical(draw: st.DrawFn) -> tuple[str, Reply]:
    """A command naming a ticket, written the many ways people type it, and its meaning."""
    command = draw(st.sampled_from(sorted(ACTIONS)))
    word = _spelled(
        draw(st.sampled_from(ACTIONS[command])),
        draw(st.sampled_from(["lower", "upper", "title", "wide"])),
    )
    number = draw(st.integers(0, 2**40))
    zero = draw(st.sampled_from(DIGIT_ZEROS))
    digits = _in_script(0, zero) * draw(st.integers(0, 2)) + _in_script(number, zero)
    lead = draw(st.sampled_from(["", " ", "  ", "\t", "\n", "👍 ", '"', "> ", "\u200b", "*"]))
    sep = draw(st.sampled_from(SEPARATORS))
    mark = draw(st.sampled_from(["", "#", "# ", "ticket ", "Ticket ", "tkt ", "no. ", "No."]))
    tail = draw(st.sampled_from(["", " ", ".", "!", " 👍", "\n", "\u200b", ")", '"']))
    if mark[:1].isalpha() and not sep.strip(" \u200b"):
        sep = " "  # "ackticket 1042" is not a command
    if draw(st.booleans()) and mark in ("", "#"):
        text = f"{lead}{mark}{digits}{sep if sep.strip() else ' '}{word}{tail}"  # "1042 ACK"
    else:
        text = f"{lead}{word}{sep}{mark}{digits}{tail}"
    return text, Reply(command, number)


def test_the_parser_never_raises_on_any_text(request) -> None:
    with counted(request) as count:

        @fuzz_settings(scale=10)
        @given(body=texts)
        @example(body="ACK " + "9" * 5000)  # int() refuses 4,300 digits or more
        @example(body="\x00" * 2000)
        @example(body="?" * 2000)
        def check(body: str) -> None:
            count.one()
            reply = parse_reply(body)
            assert isinstance(reply, Reply) and reply.command in Command
            assert reply.ticket is None or reply.ticket >= 0
            assert len(reply.rest) <= MAX_REST
            if reply.command not in ACTIONS:
                assert reply.ticket is None and reply.rest == ""

        check()


def test_canonical_commands_round_trip(request) -> None:
    with counted(request) as count:

        @fuzz_settings(scale=10)
        @given(case=canonical())
        @example(case=("ACK ١٠٤٢", Reply(Command.ACK, 1042)))
        @example(case=("ACK\u200b1042", Reply(Command.ACK, 1042)))
        @example(case=("  Ack: ticket 01042.", Reply(Command.ACK, 1042)))
        @example(case=("#1042 res", Reply(Command.RESOLVE, 1042)))
        @example(case=("ACK – 1042", Reply(Command.ACK, 1042)))  # smart punctuation's "-"
        @example(case=("1042 — ack", Reply(Command.ACK, 1042)))
        @example(case=("Res (1042)", Reply(Command.RESOLVE, 1042)))
        def check(case: tuple[str, Reply]) -> None:
            count.one()
            text, meaning = case
            parsed = parse_reply(text)
            assert (parsed.command, parsed.ticket) == (meaning.command, meaning.ticket), text
            assert not any(ch.isalnum() for ch in parsed.rest), (text, parsed)

        check()


def test_odd_ticket_numbers_are_read_never_dropped(request) -> None:
    """Negative, huge, leading zeros, unicode digits: the number is read (a number dropped
    would make the command act on the sender's latest page instead)."""
    with counted(request) as count:

        @fuzz_settings(scale=10)
        @given(
            word=st.sampled_from(["ACK", "RES", "ESC", "NE"]),
            sign=st.sampled_from(["", "-", "+", "−"]),
            number=st.one_of(st.integers(0, 10**6), st.integers(0, 10**60)),
            zero=st.sampled_from(DIGIT_ZEROS),
        )
        def check(word: str, sign: str, number: int, zero: int) -> None:
            count.one()
            parsed = parse_reply(f"{word} {sign}{_in_script(number, zero)}")
            assert parsed.command in ACTIONS
            assert parsed.ticket == number, (word, sign, number, parsed)

        check()


# --- the route -------------------------------------------------------------------------------


def _snapshot(session) -> tuple[object, ...]:
    """Every ticket's state, its timeline length and the outbox: what a reply could change."""
    session.expire_all()
    tickets = session.execute(
        select(
            Ticket.id,
            Ticket.status,
            Ticket.service_class,
            Ticket.acknowledged_by_id,
            Ticket.resolved_at,
            Ticket.classification_reason,
        ).order_by(Ticket.id)
    ).all()
    events = session.scalar(select(func.count(TicketEvent.id)))
    outbox = session.execute(
        select(OutboxMessage.id, OutboxMessage.status).order_by(OutboxMessage.id)
    ).all()
    technicians = session.execute(select(Technician.id, Technician.sms_opted_out)).all()
    return tuple(tickets), events, tuple(outbox), tuple(technicians)


def _reply_text(response) -> str | None:
    import xml.etree.ElementTree as ET

    messages = ET.fromstring(response.data).findall("Message")
    assert len(messages) <= 1
    return (messages[0].text or "") if messages else None


senders = st.one_of(
    st.sampled_from([*ODD_FROM, DANA, LUIS, "+13365550103", "(336) 555-0101"]),
    st.text(max_size=30),
)
bodies = st.one_of(texts, canonical().map(lambda case: case[0]))


def test_any_text_to_our_number_gets_a_safe_short_answer(
    phone, client, connection, session, directory, request
) -> None:
    """A paged emergency is open; texts of every kind arrive from every kind of sender."""
    emergency(phone, session)
    tech_phones = {t.phone for t in session.scalars(select(Technician).where(Technician.active))}
    with counted(request) as count, webhook_failures() as failures:

        @fuzz_settings(scale=4)
        @given(
            sender=senders,
            body=bodies,
            opt_out=st.sampled_from(["", "STOP", "START", "HELP", "bogus"]),
        )
        @example(sender="+15555550100", body="ACK 1001", opt_out="")
        @example(sender="+15555550100", body="STOP", opt_out="STOP")
        @example(sender=DANA, body="ACK ١٠٠١", opt_out="")
        def check(sender: str, body: str, opt_out: str) -> None:
            count.one()
            failures.clear()
            form = MultiDict(
                {"MessageSid": "SM" + "F" * 32, "From": sender, "To": "+13368991911", "Body": body}
            )
            if opt_out:
                form["OptOutType"] = opt_out
            with example_scope(connection) as db:
                before = _snapshot(db)
                response = post_signed_form(
                    client, PUBLIC_BASE_URL, "/twilio/sms", form, AUTH_TOKEN
                )
                assert_safe_answer(response)
                assert response.status_code == 200
                assert not unexpected_failures(failures)
                text = _reply_text(response)
                if text is not None:
                    assert set(text) <= GSM7_BASIC | GSM7_EXTENDED, text
                    assert segments(text) <= 2, text
                assert_whole(db)
                known = to_e164(sender.replace("\x00", "")[:64]) in tech_phones
                if not known:
                    assert _snapshot(db) == before, (sender, body)

        check()
