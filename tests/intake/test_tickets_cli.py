"""`intake tickets`: staff look at tickets and reclassify a false emergency from the terminal."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from intake.db import Database, upgrade
from tests.support.cli import invoke
from tests.support.moments import local
from ticketing.directory import add_client, add_contact, add_technician
from ticketing.models import OutboxMessage, Ticket
from ticketing.oncall.roster import set_on_call
from ticketing.paging.escalation import start_escalation


def _setup(tmp_path: Path) -> tuple[dict[str, str], int]:
    url = f"sqlite:///{tmp_path}/cli.db"
    upgrade(url)
    database = Database(url)
    now = local("2026-12-05 23:10")
    with database.transaction() as session:
        add_client(session, "Blue Ridge Bakery", "1001", has_msa=True)
        add_contact(session, "1001", "Jane Doe", "+13365550123", is_representative=True)
        add_technician(session, "Dana Whitfield", "+13365550101")
        set_on_call(session, "Dana Whitfield", now=now)
        ticket = Ticket(service_class="emergency", client_id=1, callback_number="+13365550123")
        session.add(ticket)
        session.flush()
        start_escalation(session, ticket, now=now)
        number = ticket.number
    database.engine.dispose()
    env = {
        "DATABASE_URL": url,
        "INTAKE_INSTANCE_PATH": str(tmp_path),
        "SECRET_KEY": "a-test-secret-key-of-32-characters",
        "TWILIO_AUTH_TOKEN": "test-auth-token",
    }
    return env, number


def test_list_show_and_reclassify(tmp_path: Path) -> None:
    env, number = _setup(tmp_path)
    listed = invoke("tickets", "list", "--open", env=env)
    assert listed.exit_code == 0 and f"#{number}" in listed.output
    assert "Blue Ridge Bakery" in listed.output
    moved = invoke(
        "tickets",
        "reclassify",
        str(number),
        "--technician",
        "dana whitfield",
        "--reason",
        "a printer, not the registers",
        env=env,
    )
    assert moved.exit_code == 0, moved.output
    assert "moved to the help desk" in moved.output
    shown = invoke("tickets", "show", str(number), env=env)
    assert "help_desk" in shown.output and "a printer, not the registers" in shown.output
    again = invoke("tickets", "reclassify", str(number), "--technician", "Dana Whitfield", env=env)
    assert again.exit_code == 1 and "not an open emergency" in again.output
    database = Database(env["DATABASE_URL"])
    with database.sessionmaker() as session:
        notices = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "notice")).all()
        assert len(notices) == 1
        assert session.get(Ticket, number).service_class == "help_desk"
    database.engine.dispose()


def test_unknown_ticket_or_technician_is_refused(tmp_path: Path) -> None:
    env, number = _setup(tmp_path)
    missing = invoke("tickets", "show", "99999", env=env)
    assert missing.exit_code == 1 and "no ticket #99999" in missing.output
    nobody = invoke("tickets", "reclassify", str(number), "--technician", "Nobody", env=env)
    assert nobody.exit_code == 1 and "no technician named" in nobody.output
