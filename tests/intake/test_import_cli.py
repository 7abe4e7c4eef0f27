"""`intake import invoices|agreements FILE.csv` from the terminal: what it prints, its exit
status, and that a file with one bad row saves nothing."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from intake.db import Database, upgrade
from tests.support.cli import invoke
from ticketing.billing.models import Agreement, Invoice, RetainerEntry
from ticketing.directory import add_client

INVOICES = (
    "account,number,issued_on,due_on,status,description,quantity,unit_price\n"
    "1001,INV-2026-0101,2026-11-01,2026-12-01,issued,Emergency call,1.50,225.00\n"
    "1001,INV-2026-0101,2026-11-01,2026-12-01,issued,Help desk,0.25,100\n"
    "1001,INV-2026-0090,2026-10-01,,paid,Help desk,2,95\n"
)
AGREEMENTS = (
    "account,kind,name,starts_on,ends_on,help_desk_rate,professional_rate,emergency_rate,"
    "emergency_multiplier,billing_increment_minutes,emergency_minimum_minutes,prepaid_hours,"
    "entitlements\n"
    "1001,prepaid_hours,Pre-paid 10 hours,2026-01-01,,,,,1.5,15,60,10,Ten hours\n"
)


def _setup(tmp_path: Path) -> tuple[dict[str, str], Database]:
    url = f"sqlite:///{tmp_path}/cli.db"
    upgrade(url)
    database = Database(url)
    with database.transaction() as session:
        add_client(session, "Blue Ridge Bakery", "1001", has_msa=True)
    env = {
        "DATABASE_URL": url,
        "INTAKE_INSTANCE_PATH": str(tmp_path),
        "SECRET_KEY": "a-test-secret-key-of-32-characters",
        "TWILIO_AUTH_TOKEN": "test-auth-token",
    }
    return env, database


def _count(database: Database, model: type) -> int:
    with database.transaction() as session:
        return session.scalar(select(func.count(model.id)))


def test_import_invoices_prints_what_it_imported(tmp_path: Path) -> None:
    env, database = _setup(tmp_path)
    path = tmp_path / "invoices.csv"
    path.write_bytes(b"\xef\xbb\xbf" + INVOICES.encode())  # Excel's "CSV UTF-8"
    result = invoke("import", "invoices", str(path), env=env)
    assert result.exit_code == 0, result.output
    assert "imported 2 invoices:" in result.output
    assert "INV-2026-0101  Blue Ridge Bakery (account 1001)  issued" in result.output
    assert "2 line(s)  $362.50" in result.output
    assert _count(database, Invoice) == 2
    again = invoke("import", "invoices", str(path), env=env)
    assert again.exit_code == 1
    assert "line 2: invoice INV-2026-0101 is already in the database" in again.output
    assert _count(database, Invoice) == 2


def test_one_bad_row_saves_nothing_and_lists_every_error(tmp_path: Path) -> None:
    env, database = _setup(tmp_path)
    path = tmp_path / "invoices.csv"
    path.write_text(INVOICES + "1002,INV-X,2026-11-01,,issued,Other client,1,10\n")
    path.write_text(path.read_text() + "1001,INV-Y,11/01/2026,,issued,US date,1,10\n")
    result = invoke("import", "invoices", str(path), env=env)
    assert result.exit_code == 1
    assert "line 5: account '1002' is not a client's account number" in result.output
    assert "line 6: issued_on '11/01/2026' is not a date" in result.output
    assert "nothing was imported: 2 errors" in result.output
    assert _count(database, Invoice) == 0


def test_check_shows_the_file_and_saves_nothing(tmp_path: Path) -> None:
    env, database = _setup(tmp_path)
    path = tmp_path / "agreements.csv"
    path.write_text(AGREEMENTS)
    checked = invoke("import", "agreements", "--check", str(path), env=env)
    assert checked.exit_code == 0, checked.output
    assert "would import 1 agreement:" in checked.output and "nothing was saved" in checked.output
    assert _count(database, Agreement) == 0 and _count(database, RetainerEntry) == 0
    done = invoke("import", "agreements", str(path), env=env)
    assert done.exit_code == 0 and "+10 pre-paid hours" in done.output
    assert _count(database, Agreement) == 1 and _count(database, RetainerEntry) == 1


def test_the_help_documents_the_columns() -> None:
    invoices = invoke("import", "invoices", "--help")
    for column in ("account", "number", "issued_on", "due_on", "status", "unit_price", "ticket"):
        assert column in invoices.output
    agreements = invoke("import", "agreements", "--help")
    for column in ("emergency_multiplier", "emergency_minimum_minutes", "prepaid_hours"):
        assert column in agreements.output
    assert "All or nothing" in agreements.output


def test_a_file_from_standard_input(tmp_path: Path) -> None:
    env, database = _setup(tmp_path)
    result = invoke("import", "invoices", "-", input=INVOICES, env=env)
    assert result.exit_code == 0, result.output
    assert _count(database, Invoice) == 2
