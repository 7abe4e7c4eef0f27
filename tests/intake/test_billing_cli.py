"""`intake time log` and `intake billing run|issue|void`, driven for real on a temporary
SQLite file. The commands run on the real clock, so the work is logged last month."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support.cli import Intake, failed
from tests.support.moments import NY
from ticketing.billing.models import Invoice, TimeEntry
from ticketing.models import Ticket

# Today on the business's wall clock: last month there is over.
TODAY = datetime.now(NY).date()
LAST_MONTH = TODAY.replace(day=1) - timedelta(days=1)
MONTH = f"{LAST_MONTH:%Y-%m}"
DAY = f"{LAST_MONTH:%Y-%m}-10"


class Billing(Intake):
    """The command line on the module's database, and its invoices and unbilled time."""

    ticket = ""  # the help-desk ticket the module's tests log time on

    def invoices(self) -> list[Invoice]:
        """Every invoice, oldest first."""
        return self.rows(Invoice)

    def unbilled(self) -> int:
        """Time entries not yet on an invoice line."""
        return len(self.read(select(TimeEntry).where(TimeEntry.invoice_line_id.is_(None))))


@pytest.fixture(scope="module")
def intake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Billing]:
    """One database for the module: the bakery, Dana, and one help-desk ticket."""
    runner = Billing(tmp_path_factory.mktemp("billing-cli"))
    runner.ok("clients", "add", "Blue Ridge Bakery", "--account", "1001", "--msa")
    runner.ok("technicians", "add", "Dana Whitfield", "--phone", "+13365550101")
    runner.ok("oncall", "set", "Dana Whitfield")
    output = runner.ok(
        "requests", "add", "--account", "1001", "--class", "help_desk",
        "--description", "The printer is jammed",
    )  # fmt: skip
    runner.ticket = output.split()[0].lstrip("#")
    _open_from(runner, runner.ticket, f"{MONTH}-01 08:00")  # so last month's work may count
    yield runner
    runner.close()


def _open_from(runner: Intake, ticket: str, local: str) -> None:
    """Backdate the ticket's opening: the commands opened it on the real clock, today."""
    opened = datetime.strptime(local, "%Y-%m-%d %H:%M").replace(tzinfo=NY)
    with Session(runner.database.engine) as session, session.begin():
        session.get(Ticket, int(ticket)).opened_at = opened


def test_log_refuses_bad_input(intake) -> None:
    ticket = intake.ticket
    log = ("time", "log", ticket, "--technician", "Dana Whitfield")
    failed(intake(*log, "--start", f"{DAY} 10:00", "--minutes", "0"), "minutes must be")
    failed(intake(*log, "--start", "tomorrow", "--minutes", "5"), "is not a moment")
    failed(intake(*log, "--start", "2099-01-01 10:00", "--minutes", "5"), "in the future")
    failed(
        intake("time", "log", "99999", "--technician", "Dana Whitfield",
               "--start", f"{DAY} 10:00", "--minutes", "5"),
        "there is no ticket #99999",
    )  # fmt: skip


def test_log_run_void_and_issue(intake) -> None:
    output = intake.ok(
        "time", "log", intake.ticket, "--technician", "Dana Whitfield",
        "--start", f"{DAY} 10:00", "--minutes", "46", "--note", "cleared the jam",
    )  # fmt: skip
    assert f"#{intake.ticket}: Dana Whitfield logged 46 min from {DAY} 10:00" in output

    output = intake.ok("billing", "run", "--month", MONTH)
    # No agreement in force (only the has-MSA flag): the standard $110.00 x 1.00 h.
    [invoice] = intake.invoices()
    assert invoice.total == Decimal("110.00") and invoice.status == "issued"
    assert f"{invoice.number}" in output and "$110.00  issued" in output
    assert "no new invoices" in intake.ok("billing", "run", "--month", MONTH)

    assert "void" in intake.ok("billing", "void", invoice.number)
    assert intake.unbilled() == 1
    failed(intake("billing", "void", invoice.number), "cannot be voided")

    output = intake.ok("billing", "run", "--month", MONTH, "--draft")
    draft = intake.invoices()[-1]
    assert draft.status == "draft" and draft.number in output
    output = intake.ok("billing", "issue", draft.number)
    issued = intake.invoices()[-1]
    assert issued.status == "issued" and issued.number.startswith("INV-")
    assert issued.number in output and intake.unbilled() == 0


def test_an_unfinished_month_says_from_when_it_can_be_billed(intake) -> None:
    after = (TODAY.replace(day=28) + timedelta(days=4)).replace(day=1)
    result = intake("billing", "run", "--month", f"{TODAY:%Y-%m}")
    failed(result, "not over yet", f"from {after:%A %B} {after.day}, {after.year}")
    assert "last day" not in result.output


def test_run_refuses_a_bad_or_unfinished_month(intake) -> None:
    failed(intake("billing", "run", "--month", "November"), "is not a month")
    failed(intake("billing", "run", "--month", f"{TODAY:%Y-%m}"), "not over yet")
    failed(intake("billing", "issue", "INV-0000"), "there is no invoice INV-0000")


def test_log_refuses_work_from_before_the_ticket_was_opened(intake) -> None:
    log = ("time", "log", intake.ticket, "--technician", "Dana Whitfield", "--minutes", "5")
    failed(
        intake(*log, "--start", f"{MONTH}-01 07:59"),
        f"cannot start before ticket #{intake.ticket} was opened ({MONTH}-01 08:00)",
    )


def test_log_warns_when_a_request_passes_its_hour_limit(intake) -> None:
    output = intake.ok(
        "requests", "add", "--account", "1001", "--class", "professional_service",
        "--description", "Move the office to the new server", "--hours", "1",
    )  # fmt: skip
    ticket = output.split()[0].lstrip("#")
    _open_from(intake, ticket, f"{MONTH}-02 08:00")
    log = ("time", "log", ticket, "--technician", "Dana Whitfield")

    first = intake.ok(*log, "--start", f"{MONTH}-02 09:00", "--minutes", "30")
    assert "limit" not in first
    near = intake.ok(*log, "--start", f"{MONTH}-02 10:00", "--minutes", "20")
    assert f"#{ticket} has 0.83 hours logged of its 1 hour limit" in near
    assert "the representative is told" in near
    over = intake.ok(*log, "--start", f"{MONTH}-02 11:00", "--minutes", "30")
    assert f"warning: #{ticket} has 1.33 hours logged, past its 1 hour limit" in over
