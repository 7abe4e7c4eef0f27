"""`intake requests add|schedule|list`, driven for real on a temporary SQLite file.

The commands run on the real clock, so the times typed are days ahead of today.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

import pytest
from click.testing import Result
from sqlalchemy import select

from tests.support.cli import Intake, failed
from tests.support.moments import NY
from ticketing.models import OutboxMessage, Ticket, TicketEvent
from ticketing.paging.models import Escalation
from ticketing.service_requests.models import RequestWindow, ServiceRequest

COUNTED = (Ticket, ServiceRequest, RequestWindow, TicketEvent, OutboxMessage, Escalation)
DAY = (date.today() + timedelta(days=10)).isoformat()
NEXT_DAY = (date.today() + timedelta(days=11)).isoformat()
YESTERDAY = (date.today() - timedelta(days=1)).isoformat()


def counts(intake: Intake) -> dict[str, int]:
    """Rows of every table a request writes to."""
    return {model.__name__: intake.count(model) for model in COUNTED}


@pytest.fixture(scope="module")
def intake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Intake]:
    """One database for the module: the bakery (MSA), Jane its representative, Dana on call."""
    runner = Intake(tmp_path_factory.mktemp("requests-cli"))
    runner.ok("clients", "add", "Blue Ridge Bakery", "--account", "1001", "--msa")
    runner.ok(
        "contacts", "add", "--account", "1001", "--name", "Jane Doe", "--phone", "+13365550123",
        "--email", "jane@bakery.test", "--representative",
    )  # fmt: skip
    runner.ok("technicians", "add", "Dana Whitfield", "--phone", "+13365550101")
    runner.ok("technicians", "add", "Luis Romero", "--phone", "+13365550102")
    runner.ok("oncall", "set", "Dana Whitfield")
    yield runner
    runner.close()


def add(intake: Intake, *extra: str) -> Result:
    """`intake requests add` for the bakery, with `extra` options."""
    return intake(
        "requests", "add", "--account", "1001", "--description", "Move the server", *extra
    )


def number_in(output: str) -> int:
    """The ticket number a command printed first ("#1042 ...")."""
    return int(output.split()[0].lstrip("#"))


def test_add_a_professional_request_with_windows_and_a_limit(intake):
    output = add(
        intake, "--class", "professional_service", "--technician", "Dana Whitfield",
        "--window", f"{DAY} 09:00/12:00", "--window", f"{NEXT_DAY} 13:00/{NEXT_DAY} 17:00",
        "--hours", "4", "--by", "Jane Doe",
    ).output  # fmt: skip

    assert "professional_service for Blue Ridge Bakery: opened" in output
    number = number_in(output)
    [request] = intake.read(select(ServiceRequest).where(ServiceRequest.ticket_id == number))
    stmt = select(RequestWindow).where(RequestWindow.request_id == request.id)
    windows = intake.read(stmt.order_by(RequestWindow.starts_at))
    first = datetime.fromisoformat(f"{DAY} 09:00").replace(tzinfo=NY)
    second = datetime.fromisoformat(f"{NEXT_DAY} 13:00").replace(tzinfo=NY)
    assert [(w.starts_at, w.ends_at) for w in windows] == [
        (first, first.replace(hour=12)),
        (second, second.replace(hour=17)),
    ]
    assert request.hour_limit == 4 and request.requested_by == "Jane Doe"
    [ticket] = intake.read(select(Ticket).where(Ticket.id == number))
    assert (ticket.source, ticket.service_class) == ("cli", "professional_service")


def test_add_a_help_desk_request(intake):
    output = intake.ok(
        "requests", "add", "--account", "1001", "--class", "help_desk",
        "--description", "How do I print the sales report?",
    )  # fmt: skip

    [ticket] = intake.read(select(Ticket).where(Ticket.id == number_in(output)))
    assert ticket.service_class == "help_desk"


def test_add_an_emergency_pages_and_says_to_call(intake):
    output = intake.ok(
        "requests", "add", "--account", "1001", "--class", "emergency",
        "--description", "Card reader down",
    )  # fmt: skip

    assert "Calling (888) 899-1911 is the fastest way to reach the on-call technician." in output
    pages = intake.read(select(OutboxMessage).where(OutboxMessage.ticket_id == number_in(output)))
    assert [(p.kind, p.to_number) for p in pages] == [("page", "+13365550101")]


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        (["--hours", "abc"], "'abc' is not a number of hours"),
        (["--hours", "0"], "more than 0 hours"),
        (["--hours", "0.0"], "more than 0 hours"),
        (["--hours", "-1"], "more than 0 hours"),
        (["--hours", "1000"], "200 hours at most"),
        (["--window", f"{YESTERDAY} 09:00/10:00"], "the time window is in the past"),
        (["--window", f"{DAY} 12:00/09:00"], "ends before it starts"),
        (["--window", f"{DAY} 09:00"], "is not a window"),
        (["--window", f"{DAY} 9am/10am"], 'use "YYYY-MM-DD HH:MM"'),
        (["--technician", "Zed Nobody"], "no technician named 'Zed Nobody'"),
        (["--account", "4242"], "no client has account number 4242"),
        (["--description", " "], "the description is empty"),
    ],
)
def test_a_refused_request_saves_nothing(intake, options, fragment):
    before = counts(intake)

    result = add(intake, "--class", "professional_service", *options)

    failed(result, fragment)
    assert counts(intake) == before


def test_schedule_tells_the_representative_once_and_again_on_a_change(intake):
    number = number_in(add(intake, "--class", "professional_service").output)

    first = intake.ok("requests", "schedule", str(number), "--technician", "Dana Whitfield",
                      "--start", f"{DAY} 09:00")  # fmt: skip
    again = intake.ok("requests", "schedule", str(number), "--technician", "Dana Whitfield",
                      "--start", f"{DAY} 09:00")  # fmt: skip
    notices = intake.read(select(OutboxMessage).where(OutboxMessage.ticket_id == number))
    assert sorted(n.channel for n in notices) == ["email", "sms"]
    assert f"#{number} scheduled with Dana Whitfield on" in first
    assert "already scheduled" in again and "nobody told again" in again

    intake.ok("requests", "schedule", str(number), "--technician", "Luis Romero",
              "--start", f"{NEXT_DAY} 14:00")  # fmt: skip
    notices = intake.read(select(OutboxMessage).where(OutboxMessage.ticket_id == number))
    assert sorted(n.channel for n in notices) == ["email", "email", "sms", "sms"]
    assert "is now scheduled with Luis Romero" in notices[-2].body


@pytest.mark.parametrize(
    ("ticket", "options", "fragment"),
    [
        ("999999", ["--start", f"{DAY} 09:00"], "no ticket #999999"),
        ("new", ["--start", f"{YESTERDAY} 09:00"], "the start is in the past"),
        ("new", ["--start", "tomorrow 9"], 'use "YYYY-MM-DD HH:MM"'),
        ("new", ["--start", f"{DAY} 09:00", "--technician", "Zed"], "no technician named 'Zed'"),
    ],
)
def test_a_refused_schedule_saves_nothing(intake, ticket, options, fragment):
    if ticket == "new":
        ticket = str(number_in(add(intake, "--class", "help_desk").output))
    before = counts(intake)

    result = intake("requests", "schedule", ticket, "--technician", "Dana Whitfield", *options)

    failed(result, fragment)
    assert counts(intake) == before


def test_list_and_list_unscheduled(intake):
    waiting = number_in(add(intake, "--class", "professional_service", "--hours", "2.5").output)
    booked = number_in(add(intake, "--class", "professional_service").output)
    intake.ok("requests", "schedule", str(booked), "--technician", "Luis Romero",
              "--start", f"{DAY} 10:00")  # fmt: skip

    everything = intake.ok("requests", "list")
    unscheduled = intake.ok("requests", "list", "--unscheduled")

    assert f"#{waiting} " in everything and f"#{booked} " in everything
    assert "scheduled: Luis Romero" in everything and "limit 2.5 hours" in everything
    assert f"#{waiting} " in unscheduled and f"#{booked} " not in unscheduled
