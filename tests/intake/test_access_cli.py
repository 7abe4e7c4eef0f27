"""`intake access ...` and `intake users ...`, driven for real on a temporary SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from tests.support.cli import Intake
from ticketing.accounts.models import AccessRequest, PasswordToken, User
from ticketing.directory import add_client, add_contact
from ticketing.models import OutboxMessage

BASE = "https://portal.example.com"


def emails(staff: Intake) -> list[tuple[str, str, str]]:
    """(to, subject, body) of every email owed, oldest first."""
    rows = staff.rows(OutboxMessage)
    return [(r.to_address, r.subject, r.body) for r in rows if r.channel == "email"]


@pytest.fixture
def staff(tmp_path: Path):
    """A database with the bakery (1001, Jane's phone) and two pending access requests."""
    cli = Intake(
        tmp_path,
        migrate=True,
        SECRET_KEY="a-test-secret-key-of-32-characters",
        PUBLIC_BASE_URL=BASE,
        # A service reachable from outside must have its own Twilio token.
        TWILIO_AUTH_TOKEN="test-auth-token",
    )
    with cli.database.transaction() as session:
        add_client(session, "Blue Ridge Bakery", "1001", has_msa=True)
        add_contact(session, "1001", "Jane Doe", "+13365550123", is_representative=True)
        session.add_all(
            [
                AccessRequest(
                    name="Jane Doe",
                    company="Blue Ridge Bakery",
                    email="jane@blueridge.example",
                    phone="+13365550123",
                    message="I run the shop.",
                ),
                AccessRequest(name="Sam Spam", company="Spam LLC", email="sam@spam.example"),
            ]
        )
    yield cli
    cli.close()


def test_list_approve_and_reject(staff: Intake) -> None:
    listed = staff("access", "list")
    assert listed.exit_code == 0, listed.output
    assert "#1" in listed.output and "jane@blueridge.example" in listed.output
    assert "(336) 555-0123" in listed.output and "I run the shop." in listed.output
    approved = staff(
        "access", "approve", "1", "--account", "1001", "--admin", "--billing", "--contact", "1"
    )
    assert approved.exit_code == 0, approved.output
    assert "access request #1 approved" in approved.output
    link = approved.output.split(f"{BASE}/set-password/", 1)[1].split()[0]
    rejected = staff("access", "reject", "2", "--reason", "We only serve contract clients.")
    assert rejected.exit_code == 0 and "sam@spam.example is told" in rejected.output
    assert staff("access", "list").output.strip() == "no pending access requests"
    (to_jane, subject, body), (to_sam, _, no) = emails(staff)
    assert to_jane == "jane@blueridge.example" and "Client Portal account" in subject
    assert f"{BASE}/set-password/{link}" in body
    assert to_sam == "sam@spam.example" and "We only serve contract clients." in no
    with staff.database.sessionmaker() as session:
        user = session.scalars(select(User)).one()
        assert (user.role, user.can_view_billing, user.contact_id) == ("client_admin", True, 1)
        assert session.get(AccessRequest, 1).user_id == user.id
        assert session.scalars(select(PasswordToken)).one().purpose == "set"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("access", "approve", "9", "--account", "1001"), "no access request #9"),
        (("access", "approve", "1", "--account", "4242"), "no client has account number 4242"),
        (("access", "reject", "9"), "no access request #9"),
        (("access", "approve", "1", "--account", "1001", "--contact", "9"), "no contact #9"),
    ],
)
def test_decisions_on_unknown_things_are_refused(
    staff: Intake, args: tuple[str, ...], message: str
) -> None:
    result = staff(*args)
    assert result.exit_code == 1 and message in result.output
    assert staff.count(User) == 0 and emails(staff) == []
    assert len(staff("access", "list").output.splitlines()) == 3


def test_a_request_is_decided_once(staff: Intake) -> None:
    assert staff("access", "reject", "2").exit_code == 0
    again = staff("access", "approve", "2", "--account", "1001")
    assert again.exit_code == 1 and "already rejected" in again.output
    assert staff("access", "approve", "1").exit_code == 2  # --account is required
    both = ("--account", "1001", "--contact", "1", "--no-contact")
    assert staff("access", "approve", "1", *both).exit_code == 2
    assert staff.count(User) == 0


def test_users_add_and_add_staff(staff: Intake) -> None:
    added = staff(
        "users",
        "add",
        "--email",
        "Clerk@Bakery.example",
        "--name",
        "Clerk",
        "--account",
        "1001",
        "--billing",
    )
    assert added.exit_code == 0, added.output
    assert "clerk@bakery.example (client_user) created" in added.output
    assert f"{BASE}/set-password/" in added.output
    boss = staff(
        "users", "add-staff", "--email", "priya@firm.example", "--name", "Priya Nair", "--admin"
    )
    assert boss.exit_code == 0 and "(admin) created" in boss.output
    tech = staff("users", "add-staff", "--email", "luis@firm.example", "--name", "Luis Romero")
    assert tech.exit_code == 0 and "(staff) created" in tech.output
    assert [to for to, _, _ in emails(staff)] == [
        "clerk@bakery.example",
        "priya@firm.example",
        "luis@firm.example",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--email", "nope", "--name", "X", "--account", "1001"), "not an email address"),
        (("--email", "x@y.example", "--name", " ", "--account", "1001"), "needs a name"),
        (("--email", "x@y.example", "--name", "X", "--account", "77"), "no client has account"),
        (("--email", "JANE@blueridge.example", "--name", "J", "--account", "1001"), "already"),
    ],
)
def test_bad_user_input_saves_nothing(staff: Intake, args: tuple[str, ...], message: str) -> None:
    first = staff(
        "users", "add", "--email", "jane@blueridge.example", "--name", "Jane", "--account", "1001"
    )
    assert first.exit_code == 0
    result = staff("users", "add", *args)
    assert result.exit_code == 1 and message in result.output
    assert staff.count(User) == 1 and staff.count(PasswordToken) == 1
    assert len(emails(staff)) == 1
