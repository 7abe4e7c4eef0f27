"""Demo data: three clients, their contacts, three technicians, who is on call and who is
available for the help desk; and for the portal, logins, agreements, pre-paid hours, months
of tickets and their invoices, so that every portal page has something to show, and a day
of staff changes for the audit trail. Each part is added once (idempotent)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from sandbox.demo.billing import (
    Worked,
    add_agreements,
    buy_hours,
    monthly_invoice,
    prepaid_line,
    rates_of,
    work,
)
from sandbox.demo.history import (
    Cast,
    PastTicket,
    at_local,
    finish,
    moment,
    open_ticket,
    write_timeline,
)
from sandbox.demo.staff_day import staff_day
from sandbox.demo.tickets import BAKERY, DINER, PIEDMONT, past_tickets
from ticketing.accounts.credentials import hash_password, user_by_email
from ticketing.accounts.models import User, UserRole
from ticketing.billing.models import AgreementKind, InvoiceStatus
from ticketing.billing.months import add_months, first_of_month
from ticketing.billing.msa import set_msa
from ticketing.directory import add_client, add_contact, add_technician, client_by_account
from ticketing.event_kinds import EventKind
from ticketing.models import Client, Contact, ServiceClass, Technician, TicketStatus
from ticketing.oncall.models import OnCallRole
from ticketing.oncall.roster import set_on_call
from ticketing.people.availability import make_available
from ticketing.service_requests.models import RequestWindow, ServiceRequest
from ticketing.timeline import add_event

DEMO_CALLER = "+13365550123"
# Demo only: every demo login has this password (printed by `intake serve --demo`).
DEMO_PASSWORD = "demo-password-1"
# Demo only: the staff logins' second factor, set up already with this published TOTP
# secret (printed by `intake serve --demo`, in the README), so that anyone trying the demo
# can make the code with an authenticator app or pyotp.
DEMO_TOTP_SECRET = "DEMODEMODEMODEMODEMODEMODEMODEMO"
ZONE = ZoneInfo("America/New_York")

CLIENTS = (
    # name, account, MSA, emergency agreement, (contact name, phone, email)
    ("Blue Ridge Bakery", "1001", True, True, ("Jane Doe", DEMO_CALLER, "jane@blueridge.example")),
    ("Piedmont Hardware", "1002", True, False, ("Sam Lee", "+13365550145", "sam@piedmont.example")),
    ("Yadkin Valley Diner", "1003", False, False, ("Maria Ortiz", "+13365550167", None)),
)
MANAGER = "Priya Nair"
# Works the help desk (the portal's history casts him so) and is available from the start,
# so that a help-desk caller in the phone simulator is offered to him at once.
HELP_DESK = "Luis Romero"
TECHNICIANS = (
    ("Dana Whitfield", "+13365550101", "dana@accelerando.example"),
    ("Luis Romero", "+13365550102", "luis@accelerando.example"),
    ("Priya Nair", "+13365550103", "priya@accelerando.example"),
)
DEMO_ADMIN = "jane@blueridge.example"
DEMO_LOGINS = (
    # email, name, role, account (None: the firm's staff), billing, who they are
    (
        "jane@blueridge.example",
        "Jane Doe",
        UserRole.CLIENT_ADMIN,
        "1001",
        True,
        "Blue Ridge Bakery: company administrator (tickets, invoices, agreements, reports)",
    ),
    (
        "maria@yadkinvalleydiner.example",
        "Maria Ortiz",
        UserRole.CLIENT_USER,
        "1003",
        False,
        "Yadkin Valley Diner: user (her own tickets, no billing)",
    ),
    ("priya@accelerando.example", "Priya Nair", UserRole.STAFF, None, False, "Accelerando staff"),
)

PAID_AFTER = 3  # invoices of months at least this far back are paid; newer ones are open
HISTORY_MONTHS = 6  # the portal's history (and the agreements under it) starts this far back


def seed_demo(session: Session, now: datetime, *, portal: bool = True) -> bool:
    """Add the demo data unless it is already there; True when something was added.

    `portal=False` adds only the directory and on-call (tests of a single phone call)."""
    added = False
    if client_by_account(session, "1001") is None:
        _seed_directory(session, now)
        added = True
    if portal and user_by_email(session, DEMO_ADMIN) is None:
        seed_portal(session, now)
        added = True
    return added


def agreements_start(now: datetime) -> date:
    """The day the demo's agreements begin: the first of the month the history starts in."""
    return add_months(first_of_month(now.astimezone(ZONE).date()), -HISTORY_MONTHS)


def _seed_directory(session: Session, now: datetime) -> None:
    for name, account, msa, emergency, (person, phone, email) in CLIENTS:
        client = add_client(session, name, account, has_msa=msa, has_emergency_agreement=emergency)
        if msa:
            # As `clients add --msa` does: the flag and the agreement on file agree, and
            # the portal's seed later gives that same agreement its rates.
            set_msa(session, client, True, today=agreements_start(now))
        add_contact(session, account, person, phone, email=email, is_representative=True)
    for name, phone, email in TECHNICIANS:
        tech = add_technician(session, name, phone, email=email, is_manager=name == MANAGER)
        if name == HELP_DESK:
            make_available(tech, now=now)
    set_on_call(session, "Dana Whitfield", now=now, role=OnCallRole.PRIMARY)
    set_on_call(session, "Luis Romero", now=now, role=OnCallRole.SECONDARY)


def _add_logins(session: Session, now: datetime) -> dict[str, User]:
    password_hash = hash_password(DEMO_PASSWORD)  # scrypt is slow: hash once for all
    users = {}
    for email, name, role, account, billing, _about in DEMO_LOGINS:
        client = client_by_account(session, account) if account else None
        contact = _contact(session, client, name) if client else None
        users[email] = User(
            email=email,
            name=name,
            role=role,
            client_id=client.id if client else None,
            contact_id=contact.id if contact else None,
            can_view_billing=billing,
            password_hash=password_hash,
            active=True,
            session_version=1,
            created_at=now,
        )
        if role in (UserRole.STAFF, UserRole.ADMIN):
            users[email].totp_secret = DEMO_TOTP_SECRET
            users[email].totp_confirmed_at = now
        session.add(users[email])
    session.flush()
    return users


def _contact(session: Session, client: Client, name: str) -> Contact:
    stmt = select(Contact).where(Contact.client_id == client.id, Contact.name == name)
    return session.scalars(stmt).one()


PORTAL_CLIENTS = (
    # account, past tickets, agreements (the bakery: one of every kind), the login whose
    # requests they are
    ("1001", BAKERY, tuple(AgreementKind), DEMO_ADMIN),
    ("1002", PIEDMONT, (AgreementKind.MSA,), None),
    ("1003", DINER, (), "maria@yadkinvalleydiner.example"),
)
CURRENT = (
    (0, "weekday 1", "20:35", "em", "0", 5, "", "Label printer offline before tomorrow's orders."),
    (0, "weekday 1", "09:00", "ps", "3.00", None, "", "Add the espresso machine to the report."),
)


def seed_portal(session: Session, now: datetime) -> None:
    """Logins, agreements, pre-paid hours, past tickets and invoices, and two current
    tickets of the bakery."""
    users = _add_logins(session, now)
    techs = [
        session.scalars(select(Technician).where(Technician.name == n)).one()
        for n in ("Dana Whitfield", "Luis Romero", "Priya Nair")
    ]
    start = agreements_start(now)
    for account, rows, kinds, login in PORTAL_CLIENTS:
        client = client_by_account(session, account)
        assert client is not None  # the directory was seeded first
        agreements = add_agreements(session, client, start, kinds)
        contact = session.scalars(select(Contact).where(Contact.client_id == client.id)).first()
        cast = Cast(contact, users.get(login or ""), *techs)
        bought = None
        if AgreementKind.PREPAID_HOURS in agreements:
            bought = at_local(5, ("weekday", 1), "09:00", now, ZONE)
            buy_hours(session, client, agreements[AgreementKind.PREPAID_HOURS], bought)
        _play_and_bill(session, client, past_tickets(rows), cast, rates_of(agreements), now, bought)
        if account == "1001":
            _current_tickets(session, cast, now)
    # Last: the staff's day works on what the portal's history left.
    staff_day(session, now, ZONE, users["priya@accelerando.example"], users[DEMO_ADMIN])


def _play(session: Session, past: PastTicket, cast: Cast, now: datetime) -> Worked:
    ticket = open_ticket(session, past, cast, moment(past, now, ZONE))
    started = write_timeline(session, ticket, past, cast, ZONE)
    who = cast.user.name if cast.user else cast.contact.name
    done = work(session, ticket, past.hours, prepaid=past.prepaid, by=who)
    techs = {ServiceClass.EMERGENCY: cast.on_call, ServiceClass.HELP_DESK: cast.help_desk}
    finish(session, ticket, past, techs.get(past.service_class, cast.professional), started)
    return done


def _play_and_bill(
    session: Session,
    client: Client,
    history: tuple[PastTicket, ...],
    cast: Cast,
    rates: dict[ServiceClass, Decimal],
    now: datetime,
    bought: datetime | None,
) -> None:
    by_month: dict[int, list[Worked]] = defaultdict(list)
    # In time order, so that pre-paid hours are drawn as they were used.
    for past in sorted(history, key=lambda p: moment(p, now, ZONE)):
        by_month[past.months_back].append(_play(session, past, cast, now))
    for back, done in sorted(by_month.items(), reverse=True):
        month = add_months(first_of_month(now.astimezone(ZONE).date()), -back)
        status = InvoiceStatus.PAID if back >= PAID_AFTER else InvoiceStatus.ISSUED
        extra = [prepaid_line()] if bought and back == 5 else None
        if back == 4:  # billed at the wrong rates first: voided and billed again
            wrong = {cls: rate + 25 for cls, rate in rates.items()}
            monthly_invoice(
                session, client, month, done, wrong, status=InvoiceStatus.VOID, suffix="-V"
            )
        monthly_invoice(session, client, month, done, rates, status=status, extra=extra)


def _current_tickets(session: Session, cast: Cast, now: datetime) -> None:
    """Last night's emergency, being worked on, and a professional request just sent."""
    emergency, request = past_tickets(CURRENT)
    night = (now - timedelta(days=1)).astimezone(ZONE).replace(hour=20, minute=35)
    ticket = open_ticket(session, emergency, cast, night.astimezone(now.tzinfo))
    write_timeline(session, ticket, emergency, cast, ZONE)
    ticket.status = TicketStatus.ACKNOWLEDGED
    asked = now - timedelta(hours=3)
    ticket = open_ticket(session, request, cast, asked)
    ticket.status, ticket.classification_reason = TicketStatus.OPEN, "requested from the portal"
    window = (now + timedelta(days=6)).astimezone(ZONE).replace(hour=9, minute=0, second=0)
    who = cast.user.name if cast.user else cast.contact.name
    service = ServiceRequest(
        ticket_id=ticket.id,
        preferred_technician_id=cast.professional.id,
        hour_limit=Decimal(request.hours),
        requested_by=who,
        created_at=asked,
    )
    service.windows.append(RequestWindow(starts_at=window, ends_at=window + timedelta(hours=3)))
    session.add(service)
    text = "Professional service requested from the portal (no work-order approval needed)."
    add_event(session, ticket.id, EventKind.REQUEST_RECEIVED, text, at=asked, actor=who)
    session.flush()
