"""`intake time log` and `intake billing run|issue|void`: time spent on tickets, and the
monthly billing run that turns it into invoices. Times typed are business local time."""

from __future__ import annotations

import click

from intake.cli import context
from intake.cli.common import db_session, explained, parse_local_moment
from ticketing.billing.hour_limits import LimitUse, limit_use
from ticketing.billing.models import Invoice
from ticketing.billing.monthly_run import issue_invoice, run_billing, void_invoice
from ticketing.billing.time_entries import log_time
from ticketing.service_requests.notices import hours_text
from ticketing.wallclock import local_instant


def _summary(invoice: Invoice) -> str:
    lines = len(invoice.lines)
    return (
        f"{invoice.number:16} {invoice.client.name:28} {lines} line{'s' * (lines != 1)}  "
        f"${invoice.total:,.2f}  {invoice.status}"
    )


@click.group("time", help="Time technicians spent on tickets.")
def time_group() -> None:
    """The `time` command group."""


@time_group.command("log")
@click.argument("ticket", type=int)
@click.option("--technician", required=True, help="Who did the work.")
@click.option("--start", required=True, help='Local start: "YYYY-MM-DD HH:MM".')
@click.option("--minutes", required=True, type=int, help="How long, 1 to 1440.")
@click.option("--note", default="", help="What was done.")
@click.option("--by", "logged_by", default="command line", show_default=True, help="Who logs.")
def time_log(
    ticket: int, technician: str, start: str, minutes: int, note: str, logged_by: str
) -> None:
    """Log time on a ticket; it is billed by the next billing run."""
    naive = parse_local_moment(start)
    with db_session() as session, explained():
        entry = log_time(
            session,
            ticket,
            technician,
            started_at=local_instant(naive, context.zone()),
            minutes=minutes,
            note=note,
            logged_by=logged_by,
            now=context.now(),
            timezone=context.zone(),
        )
        click.echo(f"#{ticket}: {entry.technician.name} logged {minutes} min from {start}")
        _limit_note(limit_use(session, entry.ticket_id), ticket)


def _limit_note(use: LimitUse | None, ticket: int) -> None:
    if use is None or not use.near:
        return
    logged, limit = hours_text(use.logged), hours_text(use.limit)
    if use.over:
        click.echo(f"warning: #{ticket} has {logged} logged, past its {limit} limit")
    else:
        click.echo(f"note: #{ticket} has {logged} logged of its {limit} limit")
    click.echo("  the representative is told once, by SMS and email, as the limit nears")


@click.group("billing", help="The monthly billing run and invoice states.")
def billing_group() -> None:
    """The `billing` command group."""


@billing_group.command("run")
@click.option("--month", required=True, help="The month to bill: YYYY-MM.")
@click.option("--draft", is_flag=True, help="Keep the invoices as drafts (not issued).")
def billing_run(month: str, draft: bool) -> None:
    """One invoice per client from unbilled time; issued and emailed unless --draft."""
    with db_session() as session, explained():
        settings = context.settings()
        report = run_billing(
            session,
            month,
            now=context.now(),
            public_base_url=settings.public_base_url,
            timezone=settings.business_timezone,
            firm_name=settings.firm_name,
            draft=draft,
        )
        for invoice in report.invoices:
            click.echo(_summary(invoice))
        for reason in report.skipped:
            click.echo(f"skipped: {reason}")
        if not report.invoices:
            click.echo(f"no new invoices for {report.month}")


@billing_group.command("issue")
@click.argument("number")
def billing_issue(number: str) -> None:
    """Issue a draft: numbered, dated and emailed to the client."""
    with db_session() as session, explained():
        settings = context.settings()
        invoice = issue_invoice(
            session,
            number,
            now=context.now(),
            public_base_url=settings.public_base_url,
            timezone=settings.business_timezone,
            firm_name=settings.firm_name,
        )
        click.echo(_summary(invoice))


@billing_group.command("void")
@click.argument("number")
def billing_void(number: str) -> None:
    """Void an invoice: its time becomes unbilled again, its pre-paid hours go back."""
    with db_session() as session, explained():
        invoice = void_invoice(session, number, now=context.now())
        click.echo(f"{invoice.number} void; its time is unbilled again")


def register(main: click.Group) -> None:
    """Add the `time` and `billing` commands to the `intake` group."""
    main.add_command(time_group)
    main.add_command(billing_group)
