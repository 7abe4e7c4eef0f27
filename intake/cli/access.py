"""`intake access ...` and `intake users ...`: staff decide on portal access requests and
open accounts; each new account is emailed a link to choose its password."""

from __future__ import annotations

import click

from intake.cli import context
from intake.cli.common import db_session, explained
from ivr.phones import national
from ticketing.accounts.access_requests import (
    BY_EMAIL,
    NO_CONTACT,
    Issued,
    add_client_user,
    add_staff_user,
    approve_request,
    pending_requests,
    reject_request,
)
from ticketing.accounts.credentials import normalize_email, user_by_email
from ticketing.accounts.second_factor import reset_second_factor
from ticketing.errors import DomainError
from ticketing.people.edits import edit_user, user_email
from ticketing.people.lifecycle import deactivate, reactivate

DECIDED_BY = "command line"


def _report(issued: Issued) -> None:
    user = issued.user
    click.echo(f"user #{user.id} {user.email} ({user.role}) created; set-password link emailed:")
    # Printed too, for staff whose mail is not configured yet (SMTP_URL unset).
    click.echo(f"  {issued.link}")


@click.group("access", help="Requests for portal access: list, approve, reject.")
def access() -> None:
    """The `access` command group."""


@access.command("list")
def access_list() -> None:
    """Requests waiting for a decision, oldest first."""
    with db_session() as session:
        zone = context.zone()
        waiting = pending_requests(session)
        if not waiting:
            click.echo("no pending access requests")
        for req in waiting:
            phone = national(req.phone) if req.phone else "no phone"
            click.echo(
                f"#{req.id}  {req.created_at.astimezone(zone):%Y-%m-%d %H:%M}  {req.name} "
                f"<{req.email}>  {req.company}  {phone}"
            )
            if req.message:
                click.echo(f"      {req.message}")


@access.command("approve")
@click.argument("request_id", type=int)
@click.option("--account", required=True, help="The client's account number, e.g. 1001.")
@click.option("--admin", is_flag=True, help="Company administrator (all of the company's data).")
@click.option("--billing", is_flag=True, help="May see and pay invoices.")
@click.option(
    "--contact",
    "contact_id",
    type=int,
    help="The client's contact this person is (id); default: the contact with their email.",
)
@click.option("--no-contact", is_flag=True, help="Link the account to no contact.")
def access_approve(
    request_id: int,
    account: str,
    admin: bool,
    billing: bool,
    contact_id: int | None,
    no_contact: bool,
) -> None:
    """Open the requester's account in that client and email a set-password link.

    The phone number on a request was typed by the requester and is never used to link the
    account to a contact (whose tickets it would see): the contact is the one with the
    requester's email address, whose link proves it, or the one given with --contact."""
    if contact_id is not None and no_contact:
        raise click.UsageError("give --contact or --no-contact, not both")
    contact = NO_CONTACT if no_contact else BY_EMAIL if contact_id is None else contact_id
    with db_session() as session, explained():
        issued = approve_request(
            session,
            request_id,
            account=account,
            admin=admin,
            billing=billing,
            now=context.now(),
            firm=context.firm(),
            decided_by=DECIDED_BY,
            contact=contact,
        )
        click.echo(f"access request #{request_id} approved")
        _report(issued)


@access.command("reject")
@click.argument("request_id", type=int)
@click.option("--reason", default="", help="Told to the requester.")
def access_reject(request_id: int, reason: str) -> None:
    """Turn a request down; the requester gets a polite email."""
    with db_session() as session, explained():
        request = reject_request(
            session,
            request_id,
            reason=reason,
            now=context.now(),
            firm=context.firm(),
            decided_by=DECIDED_BY,
        )
        click.echo(f"access request #{request_id} rejected; {request.email} is told by email")


@click.group("users", help="Portal accounts: client people and the firm's staff.")
def users() -> None:
    """The `users` command group."""


@users.command("add")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--account", required=True, help="The client's account number, e.g. 1001.")
@click.option("--admin", is_flag=True, help="Company administrator (all of the company's data).")
@click.option("--billing", is_flag=True, help="May see and pay invoices.")
def users_add(email: str, name: str, account: str, admin: bool, billing: bool) -> None:
    """Open a client person's account and email a set-password link."""
    with db_session() as session, explained():
        issued = add_client_user(
            session,
            email=email,
            name=name,
            account=account,
            admin=admin,
            billing=billing,
            now=context.now(),
            firm=context.firm(),
        )
        _report(issued)


@users.command("add-staff")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--admin", is_flag=True, help="An administrator of the service.")
def users_add_staff(email: str, name: str, admin: bool) -> None:
    """Open a staff account (the console) and email a set-password link."""
    with db_session() as session, explained():
        _report(
            add_staff_user(
                session, email=email, name=name, admin=admin, now=context.now(), firm=context.firm()
            )
        )


@users.command("reset-2fa")
@click.argument("email")
def users_reset_second_factor(email: str) -> None:
    """Remove someone's two-step login (a lost phone) and log them out everywhere; staff
    set it up again at their next login."""
    with db_session() as session, explained():
        user = user_by_email(session, normalize_email(email))
        if user is None:
            raise DomainError(f"no account has the email {email.strip()!r}")
        had = user.totp_secret is not None
        reset_second_factor(session, user)
        if had:
            click.echo(f"two-step login of {user.email} reset; they set it up again at next login")
        else:
            click.echo(f"{user.email} had no two-step login; their sessions were ended anyway")


@users.command("edit")
@click.argument("email")
@click.option("--name", default=None, help="A new name.")
@click.option("--phone", default=None, help="A new phone number (empty to remove it).")
def users_edit(email: str, name: str | None, phone: str | None) -> None:
    """Change a user's name or phone number."""
    with db_session() as session, explained():
        user = edit_user(session, user_email(session, email), name=name, phone=phone)
        shown = national(user.phone) if user.phone else "no phone"
        click.echo(f"user {user.name} <{user.email}> ({shown})")


@users.command("deactivate")
@click.argument("email")
def users_deactivate(email: str) -> None:
    """Close an account: its sessions end now and it cannot log in; its history stays."""
    with db_session() as session, explained():
        user = deactivate(session, user_email(session, email), now=context.now()).person
        click.echo(f"deactivated {user.name} <{user.email}>: logged out everywhere")


@users.command("reactivate")
@click.argument("email")
def users_reactivate(email: str) -> None:
    """Open a closed account again (the same password and second factor)."""
    with db_session() as session, explained():
        user = reactivate(session, user_email(session, email)).person
        click.echo(f"reactivated {user.name} <{user.email}>")


def register(main: click.Group) -> None:
    """Add the `access` and `users` commands to the `intake` group."""
    main.add_command(access)
    main.add_command(users)
