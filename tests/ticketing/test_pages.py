"""The SMS page: what it says, who gets it, and that it fits in two segments."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.support.recordings import twilio_recording_url
from ticketing.directory import add_technician
from ticketing.firm import SESSION_KEY, Firm
from ticketing.models import OutboxMessage, Ticket
from ticketing.oncall.roster import on_call, set_on_call
from ticketing.paging.escalation import start_escalation
from ticketing.paging.pages import page_text
from ticketing.sms_text import segments


def _ticket(session, directory, **fields) -> Ticket:
    ticket = Ticket(
        service_class="emergency",
        client_id=directory["bakery"].id,
        contact_id=directory["jane"].id,
        callback_number="+13365550123",
        **fields,
    )
    session.add(ticket)
    session.flush()
    return ticket


def test_page_names_ticket_client_callback_and_words(session, directory) -> None:
    ticket = _ticket(session, directory, description="Register 2 will not print receipts.")
    text = page_text(ticket)
    assert text.startswith(f"EMERGENCY #{ticket.number}: Blue Ridge Bakery (acct 1001), Jane Doe.")
    assert "Call back (336) 555-0123." in text
    assert 'Problem: "Register 2 will not print receipts."' in text
    assert segments(text) == 1


@pytest.mark.parametrize("length", [100, 300, 1000, 4000])
def test_long_description_is_cut_to_two_segments(session, directory, length) -> None:
    ticket = _ticket(session, directory, description=("the POS is down " * 300)[:length])
    text = page_text(ticket)
    assert segments(text) <= 2
    assert "Call back (336) 555-0123" in text  # the essentials are never cut
    if length > 300:
        assert text.endswith(f'..." Reply ACK {ticket.number}')


def test_non_gsm_words_stay_within_two_segments(session, directory) -> None:
    ticket = _ticket(session, directory, description="\u201cPOS\u201d down \U0001f525 " * 40)
    text = page_text(ticket)
    assert segments(text) <= 2
    assert "\u201c" not in text


def test_recording_link_when_there_is_no_transcription(session, directory) -> None:
    ticket = _ticket(session, directory, recording_url=twilio_recording_url())
    firm = Firm("Firm", base_url="https://intake.example.com")
    text = page_text(ticket, firm)
    assert f"Message: https://intake.example.com/console/tickets/{ticket.number}/recording" in text
    assert text.endswith(f"Reply ACK {ticket.number}")
    assert "twilio" not in text.lower()


def test_without_a_portal_address_the_page_points_to_the_console(session, directory) -> None:
    ticket = _ticket(session, directory, recording_url=twilio_recording_url())
    text = page_text(ticket)
    assert "Message recorded: see the console." in text
    assert "twilio" not in text.lower()


def test_escalation_pages_link_to_the_firm_the_session_carries(session, directory, clock) -> None:
    ticket = _ticket(session, directory, recording_url=twilio_recording_url())
    session.info[SESSION_KEY] = Firm("Firm", base_url="https://portal.example.org/")
    start_escalation(session, ticket, now=clock())
    [page] = session.scalars(select(OutboxMessage)).all()
    assert f"https://portal.example.org/console/tickets/{ticket.number}/recording" in page.body


def test_braces_in_a_client_name_do_not_break_the_page(session, directory) -> None:
    directory["bakery"].name = "Bakery {east}"
    ticket = _ticket(session, directory, description="down")
    assert "Bakery (east)" in page_text(ticket)


def test_page_goes_to_primary_on_call_in_the_same_transaction(session, directory, clock) -> None:
    ticket = _ticket(session, directory, description="down")
    start_escalation(session, ticket, now=clock())
    [page] = session.scalars(select(OutboxMessage)).all()
    assert page.to_number == directory["dana"].phone
    assert page.next_attempt_at == clock()
    assert ticket.paged_at == clock()
    assert page.body.endswith(f"Reply ACK {ticket.number}")


def test_no_technician_at_all_is_on_the_timeline(session, clock) -> None:
    ticket = Ticket(service_class="emergency")
    session.add(ticket)
    session.flush()
    start_escalation(session, ticket, now=clock())
    assert session.scalars(select(OutboxMessage)).all() == []
    session.refresh(ticket)
    assert ticket.events[-1].kind == "page_failed"


def test_set_on_call_hands_over(session, directory, clock) -> None:
    before = clock()
    clock.advance(timedelta(hours=1))
    set_on_call(session, "luis romero", now=clock())
    assert on_call(session, clock()).name == "Luis Romero"
    assert on_call(session, before).name == "Dana Whitfield"


def test_inactive_technician_is_not_on_call(session, directory, clock) -> None:
    directory["dana"].active = False
    session.flush()
    assert on_call(session, clock()) is None


def test_technician_needs_a_valid_phone(session) -> None:
    from ticketing.errors import DomainError

    with pytest.raises(DomainError, match="not a valid phone number"):
        add_technician(session, "Ann", "555-12")


def test_ticket_numbers_start_at_1001(session) -> None:
    """Callers hear and technicians type four-digit numbers, on SQLite as on PostgreSQL."""
    ticket = Ticket(service_class="emergency")
    session.add(ticket)
    session.flush()
    assert ticket.number >= 1001
