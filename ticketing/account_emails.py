"""The words of the portal's account emails (plain text: subject and body)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ticketing.account_models import AccessRequest, User
    from ticketing.credentials import Site


def _signature(site: Site) -> str:
    return (
        f"\n\n{site.firm_name} Client Portal: {site.link('/')}\n"
        "Emergency? Call (888) 899-1911, 24 x 7 x 365.\n"
    )


def link_email(user: User, purpose: str, link: str, hours: int, site: Site) -> tuple[str, str]:
    """A set-password (new account) or reset-password email carrying a one-time link."""
    lasts = f"{hours} hours" if hours != 1 else "1 hour"
    if purpose == "set":
        subject = f"Your {site.firm_name} Client Portal account"
        intro = (
            f"Hello {user.name},\n\nAn account was opened for you on the {site.firm_name} "
            "Client Portal. Choose your password here:"
        )
    else:
        subject = f"Reset your {site.firm_name} Client Portal password"
        intro = (
            f"Hello {user.name},\n\nSomeone (we hope you) asked to reset the password of "
            "your portal account. Choose a new password here:"
        )
    body = (
        f"{intro}\n\n{link}\n\nThe link works once and expires in {lasts}. If you did not "
        f"expect this email, you can ignore it.{_signature(site)}"
    )
    return subject, body


def rejection(request: AccessRequest, reason: str, site: Site) -> tuple[str, str]:
    """A polite no to an access request."""
    subject = f"Your request for {site.firm_name} Client Portal access"
    because = f"\n\nThe reason: {reason}" if reason else ""
    body = (
        f"Hello {request.name},\n\nThank you for asking for access to the "
        f"{site.firm_name} Client Portal for {request.company}. We could not open an "
        f"account for you this time.{because}\n\nIf you think this is a mistake, please "
        "reply to this email or call us, and we will gladly look at it again."
        f"{_signature(site)}"
    )
    return subject, body


def access_exists(user: User, site: Site) -> tuple[str, str]:
    """Told to an existing user who asked for access again (the form says nothing)."""
    subject = f"You already have a {site.firm_name} Client Portal account"
    body = (
        f"Hello {user.name},\n\nSomeone asked for portal access with this email address, "
        f"which already has an account. Log in at {site.link('/login')}, or if you forgot "
        f"your password, get a new one at {site.link('/forgot-password')}.{_signature(site)}"
    )
    return subject, body
