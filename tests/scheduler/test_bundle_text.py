"""The text of a bundle: every ticket number, within two GSM-7 segments, problems cut first."""

from __future__ import annotations

import itertools
import random
import re
from dataclasses import dataclass, field

import pytest

from scheduler.bundling import bundle_body, bundle_note, group, text_of
from ticketing.models import Ticket
from ticketing.paging.pages import page_text
from ticketing.sms_text import GSM7_BASIC, GSM7_EXTENDED, segments

_ids = itertools.count(1)
PROBLEM = "The file server is down and nobody at the office can log in to anything at all."


@dataclass(frozen=True)
class Row:
    """A claimed outbox row, as bundling sees it."""

    ticket_id: int | None
    body: str
    kind: str = "page"
    channel: str = "sms"
    to_number: str = "+13365550101"
    id: int = field(default_factory=lambda: next(_ids))  # rows are written in this order
    technician_id: int | None = 1  # texts to a technician, unless a test says otherwise


def page(number: int, problem: str = PROBLEM) -> Row:
    """A first page with the real page text for ticket `number`."""
    ticket = Ticket(id=number, callback_number="+13365550123", description=problem)
    return Row(number, page_text(ticket))


def numbers_in(body: str) -> set[int]:
    """The ticket numbers a text names."""
    return {int(n) for n in re.findall(r"#(\d+)", body)}


@pytest.mark.parametrize("count", range(2, 9))
def test_every_ticket_number_fits_in_two_segments(count):
    rows = [page(1043 + n) for n in range(count)]

    body = bundle_body(rows)

    assert body.startswith(f"{count} EMERGENCIES: #1043")
    assert numbers_in(body) == {row.ticket_id for row in rows}
    assert segments(body) <= 2
    assert body.count(" | ") == count - 1


def test_two_short_pages_are_kept_whole():
    rows = [page(1043, "Printer on fire."), page(1044, "No internet.")]

    body = bundle_body(rows)

    assert body == (
        '2 EMERGENCIES: #1043: Unknown caller. Call back (336) 555-0123. Problem: "Printer on'
        ' fire." | #1044: Unknown caller. Call back (336) 555-0123. Problem: "No internet."'
        " Reply ACK + ticket no."
    )


def test_problem_texts_go_before_the_callback_numbers():
    body = bundle_body([page(1043 + n) for n in range(5)])

    assert "Problem" not in body
    assert body.count("Call back (336) 555-0123.") == 5


def test_the_oldest_emergency_keeps_its_problem_longest():
    body = bundle_body([page(1043 + n) for n in range(3)])

    first, second, third = body.split(" | ")
    assert PROBLEM in first
    assert "Problem" not in third
    assert len(first) >= len(second) >= len(third)


def test_a_bundle_too_long_for_its_parts_names_every_ticket_as_ranges():
    rows = [page(1043 + n) for n in range(45)] + [page(1100), page(1102), page(1103)]

    body = bundle_body(rows)

    assert body == "48 EMERGENCIES: #1043-1087, #1100, #1102-1103 Reply ACK + ticket no."
    assert segments(body) <= 2


def test_a_regional_outage_fits_twilios_limit_and_says_how_many_more():
    # Every other number: no ranges to save room, so the tail is counted, not listed.
    rows = [page(2000 + 2 * n) for n in range(1000)]

    body = bundle_body(rows)

    assert len(body) <= 1600
    assert body.startswith("1000 EMERGENCIES: #2000, #2002, ")
    listed = numbers_in(body)
    more = int(re.search(r" and (\d+) more: see the console\.", body).group(1))
    assert len(listed) + more == 1000
    assert body.endswith(" Reply ACK + ticket no.")


def test_a_bundle_of_a_burst_is_measured_a_few_times_not_once_per_cut(monkeypatch):
    # Each part shortened one sentence at a time, the whole text measured after every cut:
    # a thousand pages of three sentences held the pager for minutes in a burst.
    problem = "The tills are down. Card payments fail. Customers are queueing at the door."
    rows = [page(3000 + n, problem) for n in range(1000)]
    measured = []

    def counted(text: str) -> int:
        measured.append(len(text))
        return segments(text)

    monkeypatch.setattr("scheduler.bundling.segments", counted)
    body = bundle_body(rows)

    assert body == "1000 EMERGENCIES: #3000-3999 Reply ACK + ticket no."
    assert len(measured) <= 3


def test_notices_and_odd_characters_become_plain_gsm7():
    rows = [
        Row(1043, "#1043 Acme \u2013 said: \u201cthe {server} is down\u201d \u2603", "notice"),
        page(1044),
    ]

    body = bundle_body(rows)

    assert body.startswith("2 MESSAGES: #1043 Acme - said:")
    assert all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in body)
    assert numbers_in(body) == {1043, 1044}
    assert segments(body) <= 2


def test_braces_in_a_shortened_text_do_not_break_it():
    noisy = page(1043, "{" * 40 + "} error {0} in {app}" * 8)

    body = bundle_body([noisy, page(1044), page(1045)])

    assert numbers_in(body) == {1043, 1044, 1045}
    assert segments(body) <= 2


def test_a_row_without_a_ticket_keeps_its_first_sentence():
    rows = [Row(None, "You are on call from 17:00. Reply HELP for help.", "notice"), page(1044)]

    body = bundle_body(rows)

    assert body.startswith("2 MESSAGES: You are on call from 17:00.")


def test_a_text_to_a_client_is_never_grouped_with_anything():
    told = Row(1043, "Firm: Dana is working on your emergency.", "notice", technician_id=None)
    moved = Row(1043, "Firm: ticket 1043 moved to the help desk.", "notice", technician_id=None)
    first = page(1044)

    assert group([told, first, moved]) == [(told,), (first,), (moved,)]


def test_a_lone_row_is_sent_as_written():
    row = page(1043)

    assert text_of([row]) == row.body


def test_grouping_bundles_texts_to_one_number_only():
    a1, b1, a2 = page(1), Row(2, "x", to_number="+13365550102"), page(3)
    call = Row(4, "/voice/page/4", channel="call")
    reply = Row(5, "ok", kind="reply")
    alert = Row(None, "staff", kind="alert")

    assert group([a1, b1, call, a2, reply, alert]) == [
        (a1, a2),
        (b1,),
        (call,),
        (reply,),
        (alert,),
    ]


def test_a_bundle_reads_the_same_whatever_order_its_rows_came_due_in():
    # Retry times differ from row to row; the look-up after a lost answer compares the
    # text Twilio has with the one built again, so the same rows must give the same text.
    rows = [page(1043 + n) for n in range(20)]
    shuffled = random.Random(4).sample(rows, len(rows))

    (bundle,) = group(shuffled)

    assert bundle == tuple(rows)
    assert text_of(bundle) == text_of(group(rows)[0])


def test_the_bundle_note_names_the_other_tickets():
    rows = [page(1043), page(1044), page(1045), Row(1043, "#1043 words", "notice")]

    assert bundle_note(rows[0], rows) == " (bundled with #1044, #1045)"
    assert bundle_note(rows[1], rows[:2]) == " (bundled with #1043)"
    assert bundle_note(rows[0], [rows[0], rows[3]]) == " (bundled)"
    assert bundle_note(rows[0], rows[:1]) == ""


def test_a_note_on_a_huge_bundle_counts_the_others_instead_of_naming_them():
    rows = [page(1043 + n) for n in range(40)]

    assert bundle_note(rows[0], rows) == " (bundled with 39 other tickets)"
    assert bundle_note(rows[0], rows[:3]) == " (bundled with #1044, #1045)"
