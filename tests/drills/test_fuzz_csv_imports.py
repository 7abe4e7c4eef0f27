"""Bad input in the CSV imports: random bytes and structured CSV files with odd
encodings (BOM, latin-1, UTF-16, NUL bytes), CRLF and CR line ends, quoted newlines,
missing, extra and doubled headers, ragged rows, huge fields, odd numbers and dates, and
formula-injection values. Each import ends in a clean import or in clear per-line errors,
never a traceback; a failed import adds nothing (all or nothing, ticketing/imports/csv_files.py);
`intake import` exits 1 with the errors, or 0 having imported."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from intake.db import Database, upgrade
from tests.support.cli import invoke
from tests.support.fuzz import Body, counted, example_scope, fuzz_settings
from ticketing.billing.models import AGREEMENT_KINDS, Agreement, Invoice, InvoiceLine, RetainerEntry
from ticketing.directory import add_client
from ticketing.imports.csv_files import (
    AGREEMENT_COLUMNS,
    INVOICE_COLUMNS,
    INVOICE_OPTIONAL,
    import_agreements,
    import_invoices,
)
from ticketing.models import Client, Ticket

NOW = datetime(2026, 12, 6, 4, 10, tzinfo=UTC)
LINE = re.compile(r"^line (\d+): \S")
# The file-wide errors of ticketing/imports/fields.py (no line number to give).
FILE_WIDE = (
    "the file is not UTF-8 text",
    "the file is empty",
    "the file has no rows to import",
)
# What a person can read in a terminal: one line, and not a whole 100 kB cell.
MAX_ERROR = 1000

FORMULAS = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://x.test","click")',
    "+1+1",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1",
]
ODD_CELLS = [
    "",
    " ",
    *FORMULAS,
    "1,5",
    "$150",
    "150.005",
    "1e3",
    "1E+400",
    "NaN",
    "Infinity",
    "-0",
    "0",
    "-1",
    "٣",
    "²",
    "١٥٠.٠٠",
    "9" * 30,
    "9" * 40 + ".00",
    "0." + "0" * 40 + "1",
    "99999999.99",
    "9999999999.99",
    "2026-02-30",
    "20261201",
    "2026-W48-1",
    "12/01/2026",
    "\x00",
    "a\x00b",
    "a\nb",
    'say "hi"',
    "x" * 600,
    "#²",
    "#99999999999999999999",
    "1001\u00a0",
    "ÿ",
    "😀",
]


def _cell() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(ODD_CELLS),
        st.text(max_size=20),
        st.builds(
            lambda c, n: c * n,
            st.sampled_from(["9", "x", "=", "é", "\x00"]),
            st.sampled_from([200, 5000, 140_000]),
        ),
    )


INVOICE_GOOD = {
    "account": st.sampled_from(["1001", "1003", " 1001 "]),
    "number": st.sampled_from(["INV-1", "INV-2", "INV-3", "=INV()"]),
    "issued_on": st.sampled_from(["2026-11-01", "2026-10-01"]),
    "due_on": st.sampled_from(["", "2026-12-01"]),
    "status": st.sampled_from(["issued", "paid", "draft", "void", "PAID"]),
    "description": st.sampled_from(["Emergency call", *FORMULAS, "Menu printer, again"]),
    "quantity": st.sampled_from(["1", "1.50", "0.25", "99999999.99"]),
    "unit_price": st.sampled_from(["150.00", "-12.50", "95", "9999999999.99"]),
}


def invoice_good(ticket_id: int) -> dict[str, st.SearchStrategy[str]]:
    """Good invoice cells, the `ticket` column naming the bakery's ticket `ticket_id`."""
    return {**INVOICE_GOOD, "ticket": st.sampled_from(["", str(ticket_id), f"#{ticket_id}"])}


AGREEMENT_GOOD = {
    "account": st.sampled_from(["1001", "1003"]),
    "kind": st.sampled_from(AGREEMENT_KINDS),
    "name": st.sampled_from(["MSA 2026", "Pre-paid 10 hours", *FORMULAS]),
    "starts_on": st.sampled_from(["2026-01-01", "2026-12-06", "2027-01-01"]),
    "ends_on": st.sampled_from(["", "2026-12-31"]),
    "help_desk_rate": st.sampled_from(["", "95.00", "9999999999.99"]),
    "professional_rate": st.sampled_from(["", "150"]),
    "emergency_rate": st.sampled_from(["", "225.00"]),
    "emergency_multiplier": st.sampled_from(["", "1.5", "99.99"]),
    "billing_increment_minutes": st.sampled_from(["", "15", "1440"]),
    "emergency_minimum_minutes": st.sampled_from(["", "0", "60"]),
    "prepaid_hours": st.sampled_from(["", "0", "10", "99999999.99"]),
    "entitlements": st.sampled_from(["", "Ten hours", "a, b\nc", *FORMULAS]),
}


@st.composite
def csv_files(draw: st.DrawFn, good: dict[str, st.SearchStrategy[str]]) -> Body:
    """A CSV file: mostly good values, some odd cells, odd headers, ragged rows, any line end,
    quoting and encoding, then perhaps damaged bytes."""
    columns = list(draw(st.permutations(list(good))))
    header_change = draw(st.sampled_from(["none", "none", "drop", "unknown", "double", "case"]))
    if header_change == "drop":
        columns.pop(draw(st.integers(0, len(columns) - 1)))
    elif header_change == "unknown":
        columns.append(draw(st.sampled_from(["notes", "", "=cmd", "account "])))
    elif header_change == "double":
        columns.append(draw(st.sampled_from(columns)))
    header = [f"  {c.upper()} " if header_change == "case" else c for c in columns]
    rows = [header]
    for _ in range(draw(st.integers(0, 4))):
        row = [draw(good[c]) if c in good else draw(_cell()) for c in columns]
        for i in draw(st.lists(st.integers(0, len(row) - 1), max_size=2)):
            row[i] = draw(_cell())
        ragged = draw(st.sampled_from(["no", "no", "no", "short", "long", "blank"]))
        if ragged == "short":
            row = row[:-1]
        elif ragged == "long":
            row = [*row, draw(_cell())]
        elif ragged == "blank":
            row = []
        rows.append(row)
    out = io.StringIO()
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
    ending = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    csv.writer(out, quoting=quoting, lineterminator=ending).writerows(rows)
    text = out.getvalue()
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "latin-1", "utf-16", "cp1252"]))
    data = text.encode(encoding, errors="replace")
    damage = draw(st.sampled_from(["none", "none", "nul", "cut", "garbage"]))
    at = draw(st.integers(0, len(data)))
    if damage == "nul":
        data = data[:at] + b"\x00" + data[at:]
    elif damage == "cut":
        data = data[:at]
    elif damage == "garbage":
        data = data[:at] + draw(st.binary(min_size=1, max_size=12)) + data[at:]
    return Body(data)


def any_bytes() -> st.SearchStrategy[bytes]:
    """Random bytes and random text: not CSV at all, or barely."""
    return st.one_of(
        st.binary(max_size=300).map(Body),
        st.text(max_size=300).map(lambda t: Body(t.encode("utf-8"))),
        st.text(st.sampled_from(',"\n\r\x00ab1=;\t'), max_size=200).map(lambda t: Body(t.encode())),
    )


def _counts(session: Session) -> tuple[int, ...]:
    return tuple(
        int(session.scalar(select(func.count()).select_from(model)) or 0)
        for model in (Invoice, InvoiceLine, Agreement, RetainerEntry)
    ) + tuple(session.execute(select(Client.has_msa, Client.has_emergency_agreement)).all())


def _assert_clear(errors: list[str], data: bytes) -> None:
    """Every error names its line (or is one of the file-wide ones), is one short line, and
    the list is in line order."""
    lines = data.count(b"\n") + data.count(b"\r") + 2
    numbers = []
    for error in errors:
        assert isinstance(error, str) and error, errors
        assert "\n" not in error and "\r" not in error, error[:MAX_ERROR]
        assert len(error) <= MAX_ERROR, error[:MAX_ERROR]
        assert "Traceback" not in error
        match = LINE.match(error)
        if match:
            assert 1 <= int(match[1]) <= lines, (error, lines)
            numbers.append(int(match[1]))
        else:
            assert error.startswith(FILE_WIDE), error
            numbers.append(0)
    assert numbers == sorted(numbers), errors


@pytest.fixture
def bakery_ticket(session, directory) -> int:
    """A ticket of the bakery for the invoice's `ticket` column."""
    ticket = Ticket(service_class="emergency", client_id=directory["bakery"].id, status="resolved")
    session.add(ticket)
    session.commit()
    return ticket.id


def _import(kind: str, db: Session, data: bytes):
    if kind == "invoices":
        return import_invoices(db, data)
    return import_agreements(db, data, now=NOW, timezone="America/New_York")


@pytest.mark.parametrize("kind", ["invoices", "agreements"])
def test_any_file_imports_cleanly_or_says_why_and_adds_nothing(
    kind, connection, bakery_ticket, request
) -> None:
    good = invoice_good(bakery_ticket) if kind == "invoices" else AGREEMENT_GOOD
    with counted(request) as count:

        @fuzz_settings(scale=3)
        @given(data=st.one_of(csv_files(good), any_bytes()))
        @example(data=Body(b"account,number\x00\n"))
        @example(  # hypothesis' minimal total over Numeric(12, 2) (PostgreSQL refused it)
            data=Body(
                b"account,number,issued_on,due_on,status,description,unit_price,quantity,ticket\n"
                b"1001,INV-1,2026-11-01,,issued,Emergency call,150.00,99999999.99,\n"
            )
        )
        @example(data=Body(("\ufeff" + ",".join(INVOICE_COLUMNS) + "\r\n").encode("utf-16")))
        def check(data: bytes) -> None:
            count.one()
            with example_scope(connection) as db:
                before = _counts(db)
                result = _import(kind, db, data)
                if not result.ok:
                    _assert_clear(result.errors, data)
                    assert result.count == 0 and not result.summary
                    assert _counts(db) == before, "a failed import left something behind"
                    return
                assert result.count > 0 and len(result.summary) == result.count
                db.flush()
                after = _counts(db)
                added = after[0] - before[0] if kind == "invoices" else after[2] - before[2]
                assert added == result.count
                if kind == "invoices":
                    _assert_invoices_add_up(db)

        check()


def _assert_invoices_add_up(db: Session) -> None:
    for invoice in db.scalars(select(Invoice)):
        assert invoice.lines, invoice.number
        assert invoice.total == sum((line.amount for line in invoice.lines), Decimal("0.00"))


def _one_row_file(columns: tuple[str, ...], values: dict[str, str]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([columns, [values.get(c, "") for c in columns]])
    return out.getvalue().encode()


GOOD_INVOICE = {
    "account": "1001",
    "number": "INV-9",
    "issued_on": "2026-11-01",
    "status": "issued",
    "description": "Work",
    "quantity": "1",
    "unit_price": "150.00",
}
GOOD_AGREEMENT = {"account": "1001", "kind": "msa", "name": "MSA", "starts_on": "2026-01-01"}


@pytest.mark.parametrize("kind", ["invoices", "agreements"])
def test_one_odd_cell_in_a_good_row_is_imported_or_explained(
    kind, connection, bakery_ticket, request
) -> None:
    """A good one-row file with one cell replaced by anything: never a traceback."""
    columns = (*INVOICE_COLUMNS, *INVOICE_OPTIONAL) if kind == "invoices" else AGREEMENT_COLUMNS
    good = GOOD_INVOICE if kind == "invoices" else GOOD_AGREEMENT
    with counted(request) as count:

        @fuzz_settings(scale=3)
        @given(column=st.sampled_from(columns), value=_cell())
        @example(column="quantity", value="9" * 30)
        @example(column="unit_price", value="9999999999.99")
        @example(column="ticket", value="²")
        @example(column="ticket", value="99999999999999999999")
        @example(column="billing_increment_minutes", value="²")
        @example(column="description", value="a\x00b")
        @example(column="account", value="x" * 100_000)  # quoted in full in the error, once
        def check(column: str, value: str) -> None:
            count.one()
            data = _one_row_file(columns, {**good, column: value})
            with example_scope(connection) as db:
                before = _counts(db)
                result = _import(kind, db, data)
                if result.ok:
                    db.flush()  # the database takes what the import accepted
                    assert result.count == 1
                else:
                    _assert_clear(result.errors, data)
                    assert _counts(db) == before

        check()


# --- the command line ------------------------------------------------------------------------


@pytest.fixture
def cli_env(tmp_path: Path) -> tuple[dict[str, str], Database]:
    """A SQLite database of its own with the bakery, as the CLI tests use."""
    url = f"sqlite:///{tmp_path}/fuzz-cli.db"
    upgrade(url)
    database = Database(url)
    with database.transaction() as s:
        add_client(s, "Blue Ridge Bakery", "1001", has_msa=True)
    env = {
        "DATABASE_URL": url,
        "INTAKE_INSTANCE_PATH": str(tmp_path),
        "SECRET_KEY": "a-test-secret-key-of-32-characters",
        "TWILIO_AUTH_TOKEN": "test-auth-token",
    }
    return env, database


@pytest.mark.parametrize("kind", ["invoices", "agreements"])
def test_the_cli_exits_1_with_the_errors_or_0_having_imported(
    kind, cli_env, tmp_path, request
) -> None:
    env, database = cli_env
    good = invoice_good(1001) if kind == "invoices" else AGREEMENT_GOOD
    path = tmp_path / "import.csv"
    with counted(request) as count:

        @fuzz_settings(scale=0.5)
        @given(data=st.one_of(csv_files(good), any_bytes()), check_only=st.booleans())
        def check(data: bytes, check_only: bool) -> None:
            count.one()
            path.write_bytes(data)
            with database.transaction() as s:
                before = _counts(s)
            args = ["import", kind, str(path), *(["--check"] if check_only else [])]
            result = invoke(*args, env=env)
            assert result.exception is None or isinstance(result.exception, SystemExit), (
                result.output[-2000:]
            )
            assert "Traceback" not in result.output
            with database.transaction() as s:
                after = _counts(s)
            if result.exit_code == 0:
                assert re.search(r"^(would import|imported) \d+ ", result.output, re.M)
                assert after == before if check_only else after != before
            else:
                assert result.exit_code == 1, result.output[-2000:]
                assert re.search(r"Error: nothing was imported: \d+ errors?$", result.output, re.M)
                assert after == before

        check()
