"""`intake technicians|clients|contacts ...`: the people the service knows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.cli import context
from intake.cli.common import db_session, explained
from ivr.phones import national
from ticketing.billing.msa import set_msa
from ticketing.directory import add_client, add_contact, add_technician
from ticketing.models import Availability, Client, Technician
from ticketing.oncall.gaps import describe_gaps
from ticketing.oncall.models import OnCallRole
from ticketing.oncall.roster import on_call
from ticketing.paging import phone_tests
from ticketing.people.availability import choose
from ticketing.people.edits import (
    Person,
    client_account,
    contact_named,
    edit_client,
    edit_contact,
    edit_technician,
    technician_named,
)
from ticketing.people.lifecycle import deactivate, reactivate


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
        now = context.now()
        holding = {role: on_call(session, now, role) for role in OnCallRole}
        for tech in session.scalars(select(Technician).order_by(Technician.name)):
            roles = [role for role, held in holding.items() if held and held.id == tech.id]
            notes = [
                " and ".join(roles) + " on call" if roles else "",
                "manager" if tech.is_manager else "",
                "texts off (STOP): paged by voice" if tech.sms_opted_out else "",
                "inactive: never paged" if not tech.active else "",
                _HELPDESK.get(tech.availability, "") if tech.active else "",
                f"phone last passed: {phone_tests.last_passed(tech, context.zone())}"
                if tech.phone_verified_at
                else "",
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
        if msa:
            set_msa(session, client, True, today=_today())
        click.echo(f"added client {client.name} (account {client.account_number})")


@clients.command("list")
def clients_list() -> None:
    """List client companies."""
    with db_session() as session:
        for client in session.scalars(select(Client).order_by(Client.name)):
            msa = "MSA" if client.has_msa else "no MSA"
            gone = "" if client.active else "  (inactive)"
            click.echo(f"{client.account_number:>8}  {client.name:32} {msa}{gone}")


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


def _today() -> date:
    return context.now().astimezone(context.zone()).date()


def _leave(person_of: Callable[[Session], Person]) -> None:
    """Deactivate whoever `person_of` finds; a technician's uncovered shifts are named."""
    with db_session() as session, explained():
        person = person_of(session)
        change = deactivate(session, person, now=context.now())
        click.echo(f"deactivated {person.name}")
        if isinstance(person, Technician):
            click.echo(describe_gaps(person.name, change.gaps, context.zone()))


def _return(person_of: Callable[[Session], Person]) -> None:
    with db_session() as session, explained():
        person = reactivate(session, person_of(session)).person
        click.echo(f"reactivated {person.name}")


@technicians.command("edit")
@click.argument("name")
@click.option("--name", "new_name", default=None, help="A new name.")
@click.option("--phone", default=None, help="A new mobile number for pages.")
@click.option("--email", default=None)
def technicians_edit(name: str, new_name: str | None, phone: str | None, email: str | None) -> None:
    """Change a technician's name, number or address."""
    with db_session() as session, explained():
        tech = edit_technician(
            session, technician_named(session, name), name=new_name, phone=phone, email=email
        )
        click.echo(f"technician {tech.name} ({national(tech.phone)}) {tech.email or ''}".strip())


@technicians.command("deactivate")
@click.argument("name")
def technicians_deactivate(name: str) -> None:
    """Stop paging a technician; their rotation turns and overrides are left uncovered."""
    _leave(lambda session: technician_named(session, name))


_HELPDESK = {
    Availability.AVAILABLE: "available for help-desk callers",
    Availability.BUSY: "busy in a help-desk session",
}


def _availability(name: str, value: Availability) -> None:
    with db_session() as session, explained():
        tech = technician_named(session, name)
        changed = choose(tech, value, now=context.now())
        state = "now" if changed else "already"
        callers = "rings for" if value == Availability.AVAILABLE else "does not ring for"
        click.echo(f"{tech.name} is {state} {value}: the help desk {callers} them")


@technicians.command("avail")
@click.argument("name")
def technicians_avail(name: str) -> None:
    """Mark a technician available: waiting help-desk callers are offered to them."""
    _availability(name, Availability.AVAILABLE)


@technicians.command("away")
@click.argument("name")
def technicians_away(name: str) -> None:
    """Mark a technician away: no help-desk callers are offered to them."""
    _availability(name, Availability.AWAY)


@technicians.command("reactivate")
@click.argument("name")
def technicians_reactivate(name: str) -> None:
    """Page a technician again: back in their rotations and overrides."""
    _return(lambda session: technician_named(session, name))


@technicians.command("test")
@click.argument("name")
def technicians_test(name: str) -> None:
    """Send NAME a test text and a test voice page to confirm (reply OK, or press 1)."""
    with db_session() as session, explained():
        tech = technician_named(session, name)
        owed = phone_tests.start_test(session, tech, now=context.now())
        ways = " and ".join("a text" if m.channel == "sms" else "a voice call" for m in owed)
        click.echo(f"testing {tech.name}'s phone ({national(tech.phone)}): {ways} on the way")
        click.echo("they confirm by replying OK, or pressing 1 on the call, within a day")
        click.echo(f"phone last passed: {phone_tests.last_passed(tech, context.zone())}")


@contacts.command("edit")
@click.argument("name")
@click.option("--account", default=None, help="The client, when several contacts share NAME.")
@click.option("--name", "new_name", default=None, help="A new name.")
@click.option("--phone", default=None, help="The number they call from.")
@click.option("--email", default=None)
def contacts_edit(
    name: str, account: str | None, new_name: str | None, phone: str | None, email: str | None
) -> None:
    """Change a contact's name, number or address."""
    with db_session() as session, explained():
        contact = contact_named(session, name, account)
        edit_contact(session, contact, name=new_name, phone=phone, email=email)
        click.echo(f"contact {contact.name} ({national(contact.phone)})")


@contacts.command("deactivate")
@click.argument("name")
@click.option("--account", default=None, help="The client, when several contacts share NAME.")
def contacts_deactivate(name: str, account: str | None) -> None:
    """No longer recognise a contact when they call, nor text them."""
    _leave(lambda session: contact_named(session, name, account))


@contacts.command("reactivate")
@click.argument("name")
@click.option("--account", default=None, help="The client, when several contacts share NAME.")
def contacts_reactivate(name: str, account: str | None) -> None:
    """Recognise a contact again."""
    _return(lambda session: contact_named(session, name, account))


@clients.command("edit")
@click.argument("account")
@click.option("--name", default=None, help="A new name.")
@click.option("--msa/--no-msa", default=None, help="Start (today) or end (today) the MSA.")
def clients_edit(account: str, name: str | None, msa: bool | None) -> None:
    """Change a client's name, or put its Master Services Agreement on file or end it."""
    with db_session() as session, explained():
        client = edit_client(session, client_account(session, account), name=name)
        if msa is not None:
            set_msa(session, client, msa, today=_today())
        state = "MSA on file" if client.has_msa else "no MSA"
        click.echo(f"client {client.name} (account {client.account_number}): {state}")


@clients.command("deactivate")
@click.argument("account")
def clients_deactivate(account: str) -> None:
    """A former client: its callers are answered as unknown callers; history stays."""
    _leave(lambda session: client_account(session, account))


@clients.command("reactivate")
@click.argument("account")
def clients_reactivate(account: str) -> None:
    """A client again: its contacts are recognised when they call."""
    _return(lambda session: client_account(session, account))


def register(main: click.Group) -> None:
    """Add the people commands to the `intake` group."""
    for group in (technicians, clients, contacts):
        main.add_command(group)
