"""The public contact form for information about a Master Services Agreement: what a
prospective client typed goes to the firm's staff by email (nothing else is stored), under
the same hourly limits as access requests, so a script cannot flood the staff's inbox."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy.orm import Session

from ticketing.accounts.access_limits import (
    DEFAULT_LIMITS,
    AccessLimits,
    address_key,
    admit,
)
from ticketing.accounts.credentials import normalize_email
from ticketing.accounts.staff_mail import tell_staff

# Counted apart from access requests per address, together with them overall.
KEY_PREFIX = "msa "


def submit_msa_enquiry(
    session: Session,
    *,
    name: str,
    company: str,
    email: str,
    phone: str,
    message: str,
    now: datetime,
    remote_addr: str | None = None,
    limits: AccessLimits = DEFAULT_LIMITS,
) -> int:
    """Email the enquiry to every active member of staff; how many are owed.
    AccessRequestsPaused, and nothing written, once the address or everyone sent too many."""
    who = KEY_PREFIX + address_key(remote_addr)
    admit(session, who, "enquiries", now=now, limits=limits)
    # Plain text, as typed: the mail is never rendered as HTML, and the stranger's own
    # address is only quoted, never written to (anyone may type anyone's address).
    subject = f"Master Services Agreement: information asked by {name.strip()}"
    lines = [
        f"{name.strip()} of {company.strip()} would like information about a Master Services",
        "Agreement. Reply to them directly:",
        "",
        f"Email: {normalize_email(email)}",
        f"Phone: {phone.strip() or '(none given)'}",
        "",
        "Their message:",
        message.strip() or "(none)",
    ]
    key = f"msa-enquiry:{now:%Y%m%dT%H%M%S}:{secrets.token_hex(6)}"
    return tell_staff(session, subject[:200], "\n".join(lines), key=key, now=now)
