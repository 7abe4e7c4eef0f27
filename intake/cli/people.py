"""`intake technicians|clients|contacts ...`: the people the service knows."""

from __future__ import annotations

import click
from sqlalchemy import select

from intake.cli import context
from intake.cli.common import db_session, explained
from ivr.phones import national
from ticketing.directory import add_client, add_contact, add_technician
from ticketing.models import Client, Technician
from ticketing.oncall.models import OnCallRole
from ticketing.oncall.roster import on_call


@click.group("technicians", help="Technicians who can be paged.")
def technicians() -> None:
    """The `technicians` command group."""


@technicians.command("add")
@click.argument("name")
@click.option("--phone", required=True, help="Mobile number that receives pages.")
@click.option("--email", default=None)
@click.option("--manager", is_flag=True, help="Alerted when an emergency goes unanswered.")
def technicians_add(name: str, phone: str, email: str | None, manager: bool) -> None:
    """Add a technician."""
    with db_session() as session, explained():
        tech = add_technician(session, name, phone, email=email, is_manager=manager)
        role = " (manager)" if manager else ""
        click.echo(f"added technician {tech.name} ({national(tech.phone)}){role}")


@technicians.command("list")
def technicians_list() -> None:
    """List technicians and who is on call now."""
    with db_session() as session:
        primary = on_call(session, context.now(), OnCallRole.PRIMARY)
        for tech in session.scalars(select(Technician).order_by(Technician.name)):
            notes = [
                "on call" if primary and primary.id == tech.id else "",
                "manager" if tech.is_manager else "",
                "texts off (STOP): paged by voice" if tech.sms_opted_out else "",
            ]
            mark = "  <- " + ", ".join(n for n in notes if n) if any(notes) else ""
            click.echo(f"{tech.name:24} {national(tech.phone):16} {tech.email or ''}{mark}")


@click.group("clients", help="Client companies.")
def clients() -> None:
    """The `clients` command group."""


@clients.command("add")
@click.argument("name")
@click.option("--account", required=True, help="Account number callers key in (digits).")
@click.option("--msa", is_flag=True, help="A Master Services Agreement is on file.")
@click.option(
    "--emergency-agreement", is_flag=True, help="An Emergency Support Services Agreement."
)
def clients_add(name: str, account: str, msa: bool, emergency_agreement: bool) -> None:
    """Add a client company."""
    with db_session() as session, explained():
        client = add_client(
            session, name, account, has_msa=msa, has_emergency_agreement=emergency_agreement
        )
        click.echo(f"added client {client.name} (account {client.account_number})")


@clients.command("list")
def clients_list() -> None:
    """List client companies."""
    with db_session() as session:
        for client in session.scalars(select(Client).order_by(Client.name)):
            msa = "MSA" if client.has_msa else "no MSA"
            click.echo(f"{client.account_number:>8}  {client.name:32} {msa}")


@click.group("contacts", help="People at client companies.")
def contacts() -> None:
    """The `contacts` command group."""


@contacts.command("add")
@click.option("--account", required=True, help="The client's account number.")
@click.option("--name", required=True)
@click.option("--phone", required=True, help="The number they call from.")
@click.option("--email", default=None)
@click.option("--representative", is_flag=True, help="Told about the client's tickets.")
def contacts_add(
    account: str, name: str, phone: str, email: str | None, representative: bool
) -> None:
    """Add a contact to a client."""
    with db_session() as session, explained():
        contact = add_contact(
            session, account, name, phone, email=email, is_representative=representative
        )
        click.echo(f"added {contact.name} ({national(contact.phone)}) to account {account}")


def register(main: click.Group) -> None:
    """Add the people commands to the `intake` group."""
    for group in (technicians, clients, contacts):
        main.add_command(group)
