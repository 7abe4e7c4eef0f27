"""Demo data: three clients, their contacts, three technicians and who is on call."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from ticketing.directory import add_client, add_contact, add_technician, client_by_account
from ticketing.oncall import set_on_call

DEMO_CALLER = "+13365550123"

CLIENTS = (
    # name, account, MSA, emergency agreement, (contact name, phone, email)
    ("Blue Ridge Bakery", "1001", True, True, ("Jane Doe", DEMO_CALLER, "jane@blueridge.example")),
    ("Piedmont Hardware", "1002", True, False, ("Sam Lee", "+13365550145", "sam@piedmont.example")),
    ("Yadkin Valley Diner", "1003", False, False, ("Maria Ortiz", "+13365550167", None)),
)
MANAGER = "Priya Nair"
TECHNICIANS = (
    ("Dana Whitfield", "+13365550101", "dana@accelerando.example"),
    ("Luis Romero", "+13365550102", "luis@accelerando.example"),
    ("Priya Nair", "+13365550103", "priya@accelerando.example"),
)


def seed_demo(session: Session, now: datetime) -> bool:
    """Add the demo data unless it is already there; True when something was added."""
    if client_by_account(session, "1001") is not None:
        return False
    for name, account, msa, emergency, (person, phone, email) in CLIENTS:
        add_client(session, name, account, has_msa=msa, has_emergency_agreement=emergency)
        add_contact(session, account, person, phone, email=email, is_representative=True)
    for name, phone, email in TECHNICIANS:
        add_technician(session, name, phone, email=email, is_manager=name == MANAGER)
    set_on_call(session, "Dana Whitfield", now=now, role="primary")
    set_on_call(session, "Luis Romero", now=now, role="secondary")
    return True
