"""The words of the portal's account emails (plain text: subject and body)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ticketing.accounts.models import TokenPurpose

if TYPE_CHECKING:
    from ticketing.accounts.models import User
    from ticketing.firm import Firm


# The one-time links of link_email (set and reset alike): /set-password/<token>.
_ONE_TIME_LINK = re.compile(r"\S+/set-password/\S+")
LINK_REMOVED = "[link removed after sending]"


def without_links(body: str) -> str:
    """The email body with each one-time password link replaced by LINK_REMOVED."""
    return _ONE_TIME_LINK.sub(LINK_REMOVED, body)


def _signature(firm: Firm) -> str:
    return (
        f"\n\n{firm.name} Client Portal: {firm.link('/')}\n"
        f"Emergency? Call {firm.call_line}, 24 x 7 x 365.\n"
    )


def link_email(
    user: User, purpose: TokenPurpose, link: str, hours: int, firm: Firm
) -> tuple[str, str]:
    """A set-password (new account) or reset-password email carrying a one-time link."""
    lasts = f"{hours} hours" if hours != 1 else "1 hour"
    if purpose == TokenPurpose.SET:
        subject = f"Your {firm.name} Client Portal account"
        intro = (
            f"Hello {user.name},\n\nAn account was opened for you on the {firm.name} "
            "Client Portal. Choose your password here:"
        )
    else:
        subject = f"Reset your {firm.name} Client Portal password"
        intro = (
            f"Hello {user.name},\n\nSomeone (we hope you) asked to reset the password of "
            "your portal account. Choose a new password here:"
        )
    body = (
        f"{intro}\n\n{link}\n\nThe link works once and expires in {lasts}. If you did not "
        f"expect this email, you can ignore it.{_signature(firm)}"
    )
    return subject, body


def rejection(reason: str, firm: Firm) -> tuple[str, str]:
    """A polite no to an access request, with the staff's reason if they gave one."""
    # Nothing the requester typed (name, company, message): anyone may ask for access with
    # anyone's address, and what they typed would reach that inbox as our email.
    subject = f"Your request for {firm.name} Client Portal access"
    because = f"\n\nThe reason: {reason}" if reason else ""
    body = (
        f"Hello,\n\nThank you for asking for access to the {firm.name} Client Portal. "
        f"We could not open an account for you this time.{because}\n\nIf you think this "
        "is a mistake, please reply to this email or call us, and we will gladly look at "
        f"it again.{_signature(firm)}"
    )
    return subject, body


def access_exists(user: User, firm: Firm) -> tuple[str, str]:
    """Told to an existing user who asked for access again (the form says nothing)."""
    subject = f"You already have a {firm.name} Client Portal account"
    body = (
        f"Hello {user.name},\n\nSomeone asked for portal access with this email address, "
        f"which already has an account. Log in at {firm.link('/login')}, or if you forgot "
        f"your password, get a new one at {firm.link('/forgot-password')}.{_signature(firm)}"
    )
    return subject, body
