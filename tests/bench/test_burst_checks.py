"""The burst's counting rules: which tickets a text pages for (a page's own number, not the
lead a joined ticket names), and when a ticket's first pages make it paged, held or lost."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bench.calls.burst_checks import FirstPage, page_outcome, paged_numbers_in
from scheduler.bundling import bundle_body
from ticketing.models import OutboxStatus

PHONE = "+13365551001"
LEAD = (
    "EMERGENCY #1230: Bench Client 0000 (acct 20001), Contact 0000. Call back "
    '(336) 200-0100. Problem: "Our card terminals are down." Reply ACK 1230'
)


def joined(number: int, lead: int = 1230) -> str:
    """A joined ticket's page, as joining.py words it."""
    return (
        f"EMERGENCY #{number}: Bench Client 0000 (acct 20001), Contact 0000. Joins #{lead}: "
        f'2 emergencies for this company. Call back (336) 200-0100. Problem: "Down." '
        f"Reply ACK {number}"
    )


@dataclass(frozen=True)
class Row:
    """What bundling reads of an outbox row."""

    ticket_id: int
    body: str
    kind: str = "page"
    channel: str = "sms"
    to_number: str = PHONE


def test_a_page_pages_for_its_own_ticket_not_the_lead_it_joins() -> None:
    assert paged_numbers_in(LEAD) == {1230}
    assert paged_numbers_in(joined(1279)) == {1279}


def test_a_bundle_pages_for_each_part() -> None:
    body = bundle_body([Row(1230, LEAD), Row(1279, joined(1279)), Row(1280, joined(1280))])
    assert "#1230" in body.split(" | ", 1)[1]  # the join note survives in the bundle
    assert paged_numbers_in(body) == {1230, 1279, 1280}


def test_a_bundle_cut_to_ranges_pages_for_every_number() -> None:
    rows = [Row(n, joined(n, lead=999)) for n in range(1000, 1040)] + [Row(1041, joined(1041))]
    body = bundle_body(rows)
    assert "|" not in body
    assert paged_numbers_in(body) == set(range(1000, 1040)) | {1041}


def sent(sid: str = "SM1", to: str = PHONE) -> FirstPage:
    """A first page the relay marked sent with `sid`."""
    return FirstPage(OutboxStatus.SENT, to, sid)


@pytest.mark.parametrize(
    ("pages", "ledger", "outcome"),
    [
        ([sent()], {"SM1": {"To": PHONE, "Body": joined(1279)}}, "paged"),
        (
            [sent(), FirstPage(OutboxStatus.PENDING, "+2", None)],
            {"SM1": {"To": PHONE, "Body": joined(1279)}},
            "held",
        ),
        ([], {}, "lost"),
        ([sent()], {}, "lost"),  # "sent", but Twilio never took it
        ([sent()], {"SM1": {"To": "+2", "Body": joined(1279)}}, "lost"),  # to another phone
        (
            [sent()],
            {"SM1": {"To": PHONE, "Body": joined(1280, lead=1279)}},
            "lost",
        ),  # names it only
        ([FirstPage(OutboxStatus.FAILED, PHONE, None)], {}, "lost"),
        (
            [
                FirstPage(OutboxStatus.PENDING, PHONE, None),
                FirstPage(OutboxStatus.CANCELLED, "+2", None),
            ],
            {},
            "lost",
        ),
    ],
)
def test_a_ticket_is_paged_only_when_each_first_page_reached_twilio(
    pages: list[FirstPage], ledger: dict[str, dict[str, object]], outcome: str
) -> None:
    assert page_outcome(1279, pages, ledger) == outcome
