"""Reading CSV imports: the header, the rows with their line numbers, and typed fields whose
errors are collected (every error of every row is reported, not only the first).

Files are UTF-8 with or without a byte-order mark (what Excel's "CSV UTF-8" writes).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing.models import Client

NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
# Longer cells are cut in error messages: a 100 kB cell would drown the other errors.
SHOWN = 40


def _figure(number: Decimal) -> str:
    text = str(number)
    return text if len(text) <= SHOWN else f"{text[:SHOWN]}... ({len(text)} characters)"


def shown(value: str) -> str:
    """A cell as an error message quotes it: repr'd, long ones cut."""
    if len(value) <= SHOWN:
        return repr(value)
    return f"{value[:SHOWN]!r}... ({len(value)} characters)"


@dataclass(frozen=True)
class Row:
    """One data row: the file line it starts on, and its cells by column name."""

    line: int
    cells: dict[str, str]


@dataclass
class Sheet:
    """A parsed file: its rows, and errors found in the file as a whole or its header."""

    rows: list[Row] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _decode(data: bytes | str) -> str:
    if isinstance(data, bytes):
        data = data.decode("utf-8-sig")
    return data.removeprefix("\ufeff")


def _header(cells: list[str], required: tuple[str, ...], optional: tuple[str, ...]) -> list[str]:
    names = [c.strip().lower() for c in cells]
    errors = []
    missing = [c for c in required if c not in names]
    unknown = [c for c in names if c not in required + optional]
    doubled = sorted({c for c in names if names.count(c) > 1})
    if missing:
        errors.append("missing column(s): " + ", ".join(missing))
    if unknown:
        errors.append("unknown column(s): " + ", ".join(shown(c) for c in unknown))
    if doubled:
        errors.append("column(s) named twice: " + ", ".join(doubled))
    if errors:
        expected = ",".join(required + tuple(f"[{c}]" for c in optional))
        return [f"line 1: header: {e} (expected {expected})" for e in errors]
    return []


def read_sheet(
    data: bytes | str, required: tuple[str, ...], optional: tuple[str, ...] = ()
) -> Sheet:
    """The rows of a CSV file whose first line names its columns (any order)."""
    sheet = Sheet()
    try:
        text = _decode(data)
    except UnicodeDecodeError as exc:
        sheet.errors.append(f"the file is not UTF-8 text (byte {exc.start}): save it as CSV UTF-8")
        return sheet
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        _read(reader, sheet, required, optional)
    except csv.Error as exc:
        sheet.errors.append(f"line {reader.line_num}: unreadable CSV: {exc}")
    if not sheet.errors and not sheet.rows:
        sheet.errors.append("the file has no rows to import")
    return sheet


def _read(reader, sheet: Sheet, required: tuple[str, ...], optional: tuple[str, ...]) -> None:
    header = next(reader, None)
    if header is None:
        sheet.errors.append("the file is empty: the first line must name the columns")
        return
    sheet.errors.extend(_header(header, required, optional))
    if sheet.errors:
        return
    names = [c.strip().lower() for c in header]
    last = reader.line_num
    for cells in reader:
        start, last = last + 1, reader.line_num
        if not any(c.strip() for c in cells):
            continue  # blank lines (often at the end of a file)
        if any("\x00" in c for c in cells):
            # Not text (PostgreSQL cannot even store it): say so rather than fail on saving.
            sheet.errors.append(f"line {start}: a NUL character: is this a CSV text file?")
            continue
        if len(cells) != len(names):
            sheet.errors.append(
                f"line {start}: {len(cells)} fields, but the header names {len(names)}"
            )
            continue
        sheet.rows.append(Row(start, {n: c.strip() for n, c in zip(names, cells, strict=True)}))


class Fields:
    """Typed access to one row's cells; each bad cell adds an error and gives None."""

    def __init__(self, row: Row, errors: list[str]) -> None:
        self.row = row
        self.errors = errors

    def fail(self, message: str) -> None:
        """Note an error on this row."""
        self.errors.append(f"line {self.row.line}: {message}")

    def text(self, name: str, *, required: bool = True, max_len: int = 200) -> str | None:
        """A text cell (trimmed)."""
        value = self.row.cells.get(name, "")
        if not value:
            if required:
                self.fail(f"{name} is empty")
            return None
        if len(value) > max_len:
            self.fail(f"{name} is longer than {max_len} characters")
            return None
        return value

    def choice(self, name: str, choices: tuple[str, ...]) -> str | None:
        """One of `choices` (case-insensitive)."""
        value = self.row.cells.get(name, "").lower()
        if value not in choices:
            self.fail(f"{name} {shown(value)} is not one of {' | '.join(choices)}")
            return None
        return value

    def day(self, name: str, *, required: bool = True) -> date | None:
        """A YYYY-MM-DD date."""
        value = self.row.cells.get(name, "")
        if not value:
            if required:
                self.fail(f"{name} is empty (use YYYY-MM-DD)")
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.fail(f"{name} {shown(value)} is not a date (use YYYY-MM-DD, e.g. 2026-12-01)")
            return None

    def number(
        self,
        name: str,
        *,
        required: bool = True,
        places: int = 2,
        below: Decimal = Decimal("1e10"),
        minimum: Decimal | None = None,
    ) -> Decimal | None:
        """An exact decimal ("1250.00"): no thousands separators, at most `places` decimals."""
        value = self.row.cells.get(name, "")
        if not value:
            if required:
                self.fail(f"{name} is empty")
            return None
        try:
            if not NUMBER.match(value):
                raise InvalidOperation
            number = Decimal(value)
        except InvalidOperation:
            self.fail(f"{name} {shown(value)} is not a number (digits and a point, e.g. 150.00)")
            return None
        return self._in_range(name, number, places, below, minimum)

    def _in_range(
        self, name: str, number: Decimal, places: int, below: Decimal, minimum: Decimal | None
    ) -> Decimal | None:
        # Size first: quantize() raises on a number of more than 28 digits.
        if abs(number) >= below:
            self.fail(f"{name} {_figure(number)} is too large")
        elif number != number.quantize(Decimal(1).scaleb(-places)):
            self.fail(f"{name} {_figure(number)} has more than {places} decimal places")
        elif minimum is not None and number < minimum:
            self.fail(f"{name} {number} is less than {minimum}")
        else:
            return number
        return None

    def whole(self, name: str, *, default: int, minimum: int, maximum: int) -> int | None:
        """A whole number between `minimum` and `maximum`; `default` when empty."""
        value = self.row.cells.get(name, "")
        if not value:
            return default
        # ASCII only: "²".isdigit() is true and int("²") raises; short: int() of a 5,000-digit
        # string raises too.
        if not is_small_whole(value) or not minimum <= int(value) <= maximum:
            self.fail(f"{name} {shown(value)} is not a whole number from {minimum} to {maximum}")
            return None
        return int(value)


@dataclass
class ImportResult:
    """What an import did (`summary`), or why it did nothing (`errors`)."""

    errors: list[str] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)
    count: int = 0

    @property
    def ok(self) -> bool:
        """No error: everything was added."""
        return not self.errors


def clients_by_account(session: Session) -> dict[str, Client]:
    """Every client by account number."""
    return {c.account_number: c for c in session.scalars(select(Client))}


def client_of(f: Fields, clients: dict[str, Client]) -> Client | None:
    """The row's client (the `account` column), or None with an error."""
    account = f.text("account")
    if account is not None and account not in clients:
        f.fail(f"account {shown(account)} is not a client's account number")
    return clients.get(account or "")


def is_small_whole(value: str) -> bool:
    """True for 1 to 9 ASCII digits (a whole number any INTEGER column holds)."""
    return value.isascii() and value.isdigit() and len(value) <= 9


def line_of(error: str) -> int:
    """The line number an error message starts with (0 for file-wide errors): for sorting."""
    head = error.split(":", 1)[0]
    return int(head[5:]) if head.startswith("line ") and head[5:].isdigit() else 0
