"""`intake technicians|contacts|clients|users edit|deactivate|reactivate`: people come and
go, nobody is deleted, and every change is in the audit trail (real clock, SQLite file)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from tests.support.cli import Intake, failed
from tests.support.moments import NY
from ticketing.accounts.models import User
from ticketing.audit.models import AuditEntry
from ticketing.billing.models import Agreement, AgreementKind
from ticketing.models import Client, Contact, Technician


@pytest.fixture
def intake(tmp_path: Path) -> Iterator[Intake]:
    """`intake(...)` with Dana and Luis, and a client with one contact."""
    runner = Intake(tmp_path, PUBLIC_BASE_URL="https://intake.example.com")
    runner.ok("technicians", "add", "Dana Whitfield", "--phone", "+13365550101")
    runner.ok("technicians", "add", "Luis Romero", "--phone", "+13365550102")
    runner.ok("clients", "add", "Acme Dental", "--account", "1001")
    runner.ok(
        "contacts", "add", "--account", "1001", "--name", "Sam Ortiz", "--phone", "+13365550177"
    )
    yield runner
    runner.close()


def one(intake: Intake, model: type) -> object:
    """The only committed row of `model`."""
    rows = intake.rows(model)
    assert len(rows) == 1, rows
    return rows[0]


def test_editing_a_technician_changes_the_number_and_name(intake: Intake) -> None:
    out = intake.ok(
        "technicians", "edit", "dana whitfield", "--phone", "336 555 0199", "--name", "Dana W"
    )
    assert "Dana W" in out
    dana = next(t for t in intake.rows(Technician) if t.name == "Dana W")
    assert dana.phone == "+13365550199"


def test_a_bad_phone_number_is_refused_with_a_clear_message(intake: Intake) -> None:
    failed(intake("technicians", "edit", "Dana Whitfield", "--phone", "12"), "not a valid phone")
    failed(intake("contacts", "edit", "Sam Ortiz", "--phone", "abc"), "not a valid phone")
    assert {t.phone for t in intake.rows(Technician)} == {"+13365550101", "+13365550102"}


def test_an_unknown_person_is_refused(intake: Intake) -> None:
    failed(intake("technicians", "deactivate", "Nobody"), "no technician named")
    failed(intake("clients", "edit", "9999", "--name", "X"), "no client has account number 9999")
    failed(intake("users", "deactivate", "nobody@example.com"), "no user has the address")


def test_deactivating_a_technician_names_the_shifts_left_uncovered(intake: Intake) -> None:
    monday = date.today() - timedelta(days=date.today().weekday())
    intake.ok(
        "oncall", "rotation", "set", "Primary", "--members", "Dana Whitfield",
        "--handoff", "Mon 08:00", "--starts", monday.isoformat(),
    )  # fmt: skip
    soon = datetime.now(NY).date() + timedelta(days=20)
    intake.ok(
        "oncall", "override", "add", "Dana Whitfield",
        "--from", f"{soon} 18:00", "--to", f"{soon} 23:00",
    )  # fmt: skip
    out = intake.ok("technicians", "deactivate", "Dana Whitfield")
    assert "deactivated Dana Whitfield" in out
    assert "Dana Whitfield's shifts now uncovered" in out
    assert 'rotation "Primary"' in out and "override #" in out
    dana = next(t for t in intake.rows(Technician) if t.name == "Dana Whitfield")
    assert not dana.active and dana.deactivated_at is not None
    assert "inactive: never paged" in intake.ok("technicians", "list")
    failed(intake("technicians", "deactivate", "Dana Whitfield"), "already inactive")
    assert "reactivated Dana Whitfield" in intake.ok("technicians", "reactivate", "Dana Whitfield")
    assert all(t.active for t in intake.rows(Technician))


def test_deactivating_a_technician_without_shifts_says_so(intake: Intake) -> None:
    out = intake.ok("technicians", "deactivate", "Luis Romero")
    assert "nothing is left uncovered" in out


def test_contacts_and_clients_come_and_go_and_stay_on_record(intake: Intake) -> None:
    intake.ok("contacts", "edit", "Sam Ortiz", "--email", "sam@acme.example", "--name", "Sam O")
    intake.ok("contacts", "deactivate", "Sam O", "--account", "1001")
    contact = one(intake, Contact)
    assert (contact.name, contact.email, contact.active) == ("Sam O", "sam@acme.example", False)
    intake.ok("contacts", "reactivate", "Sam O")
    intake.ok("clients", "edit", "1001", "--name", "Acme Dental Group")
    assert "deactivated Acme Dental Group" in intake.ok("clients", "deactivate", "1001")
    assert "(inactive)" in intake.ok("clients", "list")
    assert not one(intake, Client).active
    intake.ok("clients", "reactivate", "1001")
    assert one(intake, Client).active


def test_contacts_sharing_a_name_need_the_account(intake: Intake) -> None:
    intake.ok("clients", "add", "Birch Law", "--account", "1002")
    intake.ok(
        "contacts", "add", "--account", "1002", "--name", "Sam Ortiz", "--phone", "+13365550178"
    )
    failed(intake("contacts", "deactivate", "Sam Ortiz"), "--account", "1001, 1002")
    intake.ok("contacts", "deactivate", "Sam Ortiz", "--account", "1002")
    assert [c.active for c in intake.rows(Contact)] == [True, False]


def test_the_msa_flag_and_the_agreement_rows_agree(intake: Intake) -> None:
    intake.ok("clients", "add", "Birch Law", "--account", "1002", "--msa")
    msa = one(intake, Agreement)
    assert (msa.kind, msa.ends_on) == (AgreementKind.MSA, None)
    out = intake.ok("clients", "edit", "1002", "--no-msa")
    assert "no MSA" in out
    ended = one(intake, Agreement)
    assert ended.ends_on is not None
    intake.ok("clients", "edit", "1001", "--msa")
    intake.ok("clients", "edit", "1001", "--msa")  # already on file: no second agreement
    rows = intake.rows(Agreement)
    assert len(rows) == 2 and rows[1].ends_on is None
    flags = {c.account_number: c.has_msa for c in intake.rows(Client)}
    assert flags == {"1001": True, "1002": False}


def test_users_are_edited_deactivated_and_reactivated(intake: Intake) -> None:
    intake.ok("users", "add", "--email", "pat@acme.example", "--name", "Pat", "--account", "1001")
    intake.ok("users", "edit", "PAT@acme.example", "--name", "Pat Lee", "--phone", "336 555 0150")
    failed(intake("users", "edit", "pat@acme.example", "--phone", "55"), "not a valid phone")
    before = one(intake, User).session_version
    assert "logged out everywhere" in intake.ok("users", "deactivate", "pat@acme.example")
    user = one(intake, User)
    assert (user.name, user.phone, user.active) == ("Pat Lee", "+13365550150", False)
    assert user.session_version > before
    intake.ok("users", "reactivate", "pat@acme.example")
    assert one(intake, User).active


def test_every_change_is_in_the_audit_trail(intake: Intake) -> None:
    intake.ok("technicians", "deactivate", "Luis Romero")
    intake.ok("clients", "edit", "1001", "--msa")
    kinds = {(e.subject_type, e.action) for e in intake.rows(AuditEntry)}
    assert any(kind == "technician" for kind, _ in kinds)
    assert any(kind == "agreement" for kind, _ in kinds)


def test_technicians_list_marks_the_secondary_on_call_too(intake: Intake) -> None:
    intake.ok("oncall", "set", "Dana Whitfield")
    intake.ok("oncall", "set", "Luis Romero", "--role", "secondary")

    lines = intake.ok("technicians", "list").splitlines()

    [dana] = [line for line in lines if line.startswith("Dana Whitfield")]
    [luis] = [line for line in lines if line.startswith("Luis Romero")]
    assert dana.endswith("<- primary on call") and luis.endswith("<- secondary on call")
