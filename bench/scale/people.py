"""The scale seed's directory: clients with contacts, agreements and portal users,
technicians, staff logins and the default escalation policy."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from bench.scale.writer import BulkWriter
from ticketing.accounts.credentials import hash_password
from ticketing.accounts.models import User, UserRole
from ticketing.billing.models import Agreement, AgreementKind
from ticketing.billing.time_entries import STANDARD_RATES
from ticketing.models import Client, Contact, ServiceClass, Technician
from ticketing.paging.models import EscalationPolicy, EscalationStep
from ticketing.paging.policies import DEFAULT_POLICY, DEFAULT_REPEAT, DEFAULT_STEPS, parse_step

PASSWORD = "scale-password-1"
STAFF_EMAIL = "staff@scale.example"
# Staff log in with a second factor: the scale logins' TOTP secret, set up already.
STAFF_TOTP_SECRET = "SCALESCALESCALESCALESCALESCALESC"
PLACES = (
    "Blue Ridge", "Piedmont", "Yadkin Valley", "Catawba", "Haw River", "Pilot Mountain",
    "Uwharrie", "Cape Fear", "Neuse", "Eno", "Tar Heel", "Brushy Mountain", "Dan River",
    "Deep River", "Sauratown", "Pee Dee", "Linville", "Grandfather", "Roanoke", "Lumber River",
)  # fmt: skip
TRADES = (
    "Bakery", "Hardware", "Diner", "Dental", "Pharmacy", "Auto Parts", "Florist", "Books",
    "Coffee", "Veterinary", "Feed & Seed", "Outfitters", "Brewing", "Furniture", "Pizza",
    "Tire & Lube", "Market", "Cleaners", "Optical", "Pet Supply",
)  # fmt: skip
FIRST = (
    "Jane", "Sam", "Maria", "Dana", "Luis", "Priya", "Tom", "Aisha", "Ken", "Grace", "Omar",
    "Beth", "Raj", "Lena", "Carl", "Nina", "Hugo", "Zoe", "Ivan", "Ruth",
)  # fmt: skip
LAST = (
    "Doe", "Lee", "Ortiz", "Whitfield", "Romero", "Nair", "Baker", "Khan", "Moss", "Hill",
    "Price", "Greene", "Patel", "Voss", "Reid", "Stone", "Ford", "Wade", "Cole", "Banks",
)  # fmt: skip
MSA_RATES = {
    ServiceClass.HELP_DESK: Decimal("125.00"),
    ServiceClass.PROFESSIONAL_SERVICE: Decimal("150.00"),
    ServiceClass.EMERGENCY: Decimal("225.00"),
}
AGREEMENT_NAMES = {
    AgreementKind.MSA: "Master Services Agreement",
    AgreementKind.HELP_DESK: "Help Desk Agreement",
    AgreementKind.PREPAID_HOURS: "Pre-paid hours: 20-hour blocks",
}
TECHNICIANS = 50


@dataclass
class ClientPlan:
    """One client as the ticket and billing generators need it."""

    id: int
    name: str
    account: str
    has_msa: bool
    prepaid: bool
    share: float
    contacts: list[tuple[int, str, str]] = field(default_factory=list)  # id, name, phone
    users: list[tuple[int, str, int | None]] = field(default_factory=list)  # id, name, contact
    prepaid_agreement_id: int | None = None

    @property
    def rates(self) -> dict[ServiceClass, Decimal]:
        """Hourly rates per class: the MSA's, else the standard ones."""
        return MSA_RATES if self.has_msa else STANDARD_RATES


@dataclass
class People:
    """Everyone the tickets and invoices refer to."""

    clients: list[ClientPlan]
    techs: list[tuple[int, str, str]]  # id, name, phone
    policy_id: int
    portal_email: str
    staff_email: str


def shares(rng: random.Random, count: int) -> list[float]:
    """Each client's share of the tickets: the first (busiest) ~9%, the rest log-normal."""
    if count == 1:
        return [1.0]
    rest = [rng.lognormvariate(0, 1.1) for _ in range(count - 1)]
    weights = [r / sum(rest) for r in rest]
    # At least 9%, and a fifth more than the next busiest (a handful of clients).
    most = 1.2 * max(weights)
    top = max(0.09, most / (1 + most))
    return [top, *((1 - top) * w for w in weights)]


def phone(n: int) -> str:
    """A distinct North Carolina number for the nth person."""
    area = (336, 919, 704, 828, 910, 252)[n % 6]
    return f"+1{area}{200 + (n // 6) // 10_000:03d}{(n // 6) % 10_000:04d}"


def seed_people(writer: BulkWriter, rng: random.Random, clients: int, now: datetime) -> People:
    """Write the directory and logins; return what the rest of the seed refers to."""
    plans = _client_plans(writer, rng, clients, now)
    techs = _technicians(writer)
    _contacts_and_users(writer, rng, plans, now)
    _agreements(writer, rng, plans, now)
    admin = f"admin@{plans[0].account.lower()}.scale.example"
    return People(plans, techs, _policy(writer, now), admin, STAFF_EMAIL)


def _client_name(i: int) -> str:
    name = f"{PLACES[i % len(PLACES)]} {TRADES[(i // len(PLACES)) % len(TRADES)]}"
    rounds = i // (len(PLACES) * len(TRADES))
    return f"{name} #{rounds + 1}" if rounds else name


def _client_plans(
    writer: BulkWriter, rng: random.Random, count: int, now: datetime
) -> list[ClientPlan]:
    first = writer.next_id(Client.__table__)
    plans = []
    for i, share in enumerate(shares(rng, count)):
        # The busiest client has every agreement, pre-paid hours too: its pages show all.
        msa, prepaid = i == 0 or rng.random() < 0.7, i == 0 or rng.random() < 0.15
        plans.append(
            ClientPlan(first + i, _client_name(i), f"S{first + i:05d}", msa, prepaid, share)
        )
    created = now - timedelta(days=3 * 366)
    writer.write(
        Client.__table__,
        ("id", "name", "account_number", "has_msa", "has_emergency_agreement", "created_at"),
        [(c.id, c.name, c.account, c.has_msa, c.has_msa and rng.random() < 0.5, created)
         for c in plans],
    )  # fmt: skip
    return plans


def _technicians(writer: BulkWriter) -> list[tuple[int, str, str]]:
    first = writer.next_id(Technician.__table__)
    techs = []
    for i in range(TECHNICIANS):
        name = (
            f"{FIRST[i % len(FIRST)]} {LAST[(i * 7 + i // len(LAST)) % len(LAST)]} (T{i + 1:02d})"
        )
        techs.append((first + i, name, phone(900_000 + i)))
    writer.write(
        Technician.__table__,
        ("id", "name", "phone", "email", "active", "is_manager", "sms_opted_out", "calendar_token"),
        [(t, name, tel, f"t{t}@scale.example", True, n == 0, False, f"scale-cal-{t}")
         for n, (t, name, tel) in enumerate(techs)],
    )  # fmt: skip
    return techs


def _contacts_and_users(
    writer: BulkWriter, rng: random.Random, plans: list[ClientPlan], now: datetime
) -> None:
    contact_id = writer.next_id(Contact.__table__)
    user_id = writer.next_id(User.__table__)
    contacts, users = [], []
    secret = hash_password(PASSWORD)  # scrypt is slow: hash once for every login
    for plan in plans:
        domain = f"{plan.account.lower()}.scale.example"
        for n in range(8 if plan is plans[0] else rng.randint(1, 4)):
            name, number = f"{rng.choice(FIRST)} {rng.choice(LAST)}", phone(contact_id)
            plan.contacts.append((contact_id, name, number))
            contacts.append((contact_id, plan.id, name, number, f"c{contact_id}@{domain}", n == 0))
            # The representative administers the portal; some others log in as users.
            if n == 0 or (n < 3 and rng.random() < 0.5):
                email = f"admin@{domain}" if n == 0 else f"user{contact_id}@{domain}"
                role = UserRole.CLIENT_ADMIN if n == 0 else UserRole.CLIENT_USER
                plan.users.append((user_id, name, contact_id))
                users.append((user_id, email, name, role, plan.id, contact_id, n == 0))
                user_id += 1
            contact_id += 1
    for email, name, role in (
        (STAFF_EMAIL, "Scale Staff", UserRole.STAFF),
        ("admin@scale.example", "Scale Admin", UserRole.ADMIN),
    ):
        users.append((user_id, email, name, role, None, None, False))
        user_id += 1
    writer.write(
        Contact.__table__,
        ("id", "client_id", "name", "phone", "email", "is_representative"),
        contacts,
    )
    writer.write(
        User.__table__,
        ("id", "email", "name", "role", "client_id", "contact_id", "can_view_billing",
         "password_hash", "active", "session_version", "created_at", "totp_secret",
         "totp_confirmed_at"),
        [(*row, secret, True, 1, now - timedelta(days=400),
          *((STAFF_TOTP_SECRET, now) if row[4] is None else (None, None)))
         for row in users],
    )  # fmt: skip


def _agreements(
    writer: BulkWriter, rng: random.Random, plans: list[ClientPlan], now: datetime
) -> None:
    next_id = writer.next_id(Agreement.__table__)
    start = (now - timedelta(days=3 * 366)).date()
    rows = []
    for plan in plans:
        kinds = [AgreementKind.MSA] if plan.has_msa else []
        if plan.prepaid:
            kinds.append(AgreementKind.PREPAID_HOURS)
        if plan.has_msa and rng.random() < 0.5:
            kinds.append(AgreementKind.HELP_DESK)
        for kind in kinds:
            if kind == AgreementKind.PREPAID_HOURS:
                plan.prepaid_agreement_id = next_id
            rows.append(_agreement_row(next_id, plan, kind, start))
            next_id += 1
    writer.write(
        Agreement.__table__,
        ("id", "client_id", "kind", "name", "starts_on", "ends_on", "help_desk_rate",
         "professional_rate", "emergency_rate", "emergency_multiplier",
         "billing_increment_minutes", "emergency_minimum_minutes", "entitlements", "created_at"),
        rows,
    )  # fmt: skip


def _agreement_row(agreement_id: int, plan: ClientPlan, kind: AgreementKind, start: date) -> tuple:
    name = AGREEMENT_NAMES[kind]
    rates = MSA_RATES if kind == AgreementKind.MSA else {}
    created = datetime(start.year, start.month, start.day, 15, tzinfo=UTC)
    return (
        agreement_id, plan.id, kind, name, start, None, rates.get(ServiceClass.HELP_DESK),
        rates.get(ServiceClass.PROFESSIONAL_SERVICE), rates.get(ServiceClass.EMERGENCY),
        Decimal("1.5"), 15, 60, f"{name} for {plan.name}.", created,
    )  # fmt: skip


def _policy(writer: BulkWriter, now: datetime) -> int:
    """The default escalation policy (the one emergencies use), created if missing."""
    found = writer.conn.scalar(
        select(EscalationPolicy.id).where(EscalationPolicy.name == DEFAULT_POLICY)
    )
    if found is not None:
        return int(found)
    policy_id = writer.next_id(EscalationPolicy.__table__)
    writer.write(
        EscalationPolicy.__table__,
        ("id", "name", "repeat", "repeat_delay_seconds", "updated_at"),
        [(policy_id, DEFAULT_POLICY, DEFAULT_REPEAT, 300, now)],
    )
    first = writer.next_id(EscalationStep.__table__)
    steps = [parse_step(text) for text in DEFAULT_STEPS]
    writer.write(
        EscalationStep.__table__,
        ("id", "policy_id", "position", "delay_seconds", "target", "technician_id", "channels"),
        [(first + i, policy_id, i, step.delay_seconds, step.target, None, step.channels)
         for i, step in enumerate(steps)],
    )  # fmt: skip
    return policy_id
