"""`intake import invoices|agreements FILE.csv`: bring billing history into the database.

The help texts below are the documentation of the columns.
"""

from __future__ import annotations

from typing import BinaryIO

import click
from sqlalchemy.orm import Session

from intake.cli import context
from intake.cli.common import db_session
from ticketing.imports.csv_files import ImportResult, import_agreements, import_invoices

COMMON = """
All or nothing: every row is checked first; if any row is wrong, nothing is saved, every
error is listed with its line number, and the command exits with status 1. The file is
CSV in UTF-8, with or without a byte-order mark (Excel's "CSV UTF-8" is fine); the first
line names the columns, in any order. Dates are YYYY-MM-DD; amounts are plain decimals
with a point and at most two decimals (150.00, not $150 or 150,00). FILE may be - for
standard input.
"""

INVOICES_HELP = (
    """Import invoices from a CSV file: one row per invoice line.

\b
Columns:
  account      the client's account number (the client must exist)
  number       invoice number, unique; rows with the same number form one invoice
  issued_on    date issued (may be empty on a draft)
  due_on       date due; empty: 30 days after issued_on
  status       issued | paid | draft | void
  description  what the line bills
  quantity     hours or units, more than 0 (e.g. 1.50)
  unit_price   dollars per hour or unit (e.g. 150.00; negative for a credit)
  ticket       optional: a ticket number of the same client, linked from the line

\b
Every row of one invoice must give the same account, issued_on, due_on and status.
The total is the sum of the lines (quantity x unit_price, to the cent). Importing does
not email anyone, and an invoice number already in the database is an error.
"""
    + COMMON
)

AGREEMENTS_HELP = (
    """Import agreements from a CSV file: one row per agreement.

\b
Columns:
  account                    the client's account number (the client must exist)
  kind                       msa | help_desk | emergency_support | prepaid_hours
  name                       e.g. "Master Services Agreement 2026"
  starts_on                  first day of the term
  ends_on                    last day of the term; empty: open-ended
  help_desk_rate             dollars per hour; may be empty
  professional_rate          dollars per hour; may be empty
  emergency_rate             dollars per hour; may be empty
  emergency_multiplier       pre-paid hours drawn per hour of emergency work
                             (empty: 1.5)
  billing_increment_minutes  time is billed in steps of this (empty: 15)
  emergency_minimum_minutes  least time billed for an emergency (empty: 60)
  prepaid_hours              hours bought with a prepaid_hours agreement: added
                             to the client's retainer ledger as a purchase
                             (empty or 0 otherwise)
  entitlements               what the agreement entitles, free text (quote it
                             if it contains commas)

\b
An agreement already imported (same account, kind, name and starts_on) is an error,
so running the same file twice cannot buy the hours twice. An MSA or emergency support
agreement in force today marks the client as having one (the phone line reads it).
"""
    + COMMON
)


@click.group("import", help="Import invoices or agreements from CSV files.")
def import_group() -> None:
    """The `import` command group."""


def _finish(session: Session, result: ImportResult, what: str, check: bool) -> None:
    if not result.ok:
        for error in result.errors:
            click.echo(error, err=True)
        count = len(result.errors)
        raise click.ClickException(
            f"nothing was imported: {count} error{'s' if count != 1 else ''}"
        )
    verb = "would import" if check else "imported"
    click.echo(f"{verb} {result.count} {what}{'s' if result.count != 1 else ''}:")
    for line in result.summary:
        click.echo(f"  {line}")
    if check:
        session.rollback()
        click.echo("(--check: nothing was saved)")


@import_group.command("invoices", help=INVOICES_HELP)
@click.argument("file", type=click.File("rb"))
@click.option("--check", is_flag=True, help="Check the file and show what it holds; save nothing.")
def invoices(file: BinaryIO, check: bool) -> None:
    """Import invoices (see the help text for the columns)."""
    data = file.read()
    with db_session() as session:
        _finish(session, import_invoices(session, data), "invoice", check)


@import_group.command("agreements", help=AGREEMENTS_HELP)
@click.argument("file", type=click.File("rb"))
@click.option("--check", is_flag=True, help="Check the file and show what it holds; save nothing.")
def agreements(file: BinaryIO, check: bool) -> None:
    """Import agreements (see the help text for the columns)."""
    data = file.read()
    with db_session() as session:
        now = context.now()
        zone = context.settings().business_timezone
        result = import_agreements(session, data, now=now, timezone=zone)
        _finish(session, result, "agreement", check)


def register(main: click.Group) -> None:
    """Add `import` to the `intake` command."""
    main.add_command(import_group)
