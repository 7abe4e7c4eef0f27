"""Seeding a benchmark database for calls: clients with contacts, technicians, someone on
call, the escalation policy, and a closure today so every call is an emergency.

Everything goes through the product's own functions (directory, on-call, policies,
calendar), the way staff would set it up, so the webhooks meet ordinary data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from intake.db import Database
from ticketing.calendar.days import add_closure
from ticketing.directory import add_client, add_contact, add_technician
from ticketing.oncall.models import OnCallRole
from ticketing.oncall.roster import set_on_call
from ticketing.paging.policies import default_policy

# The service's default BUSINESS_TIMEZONE (the bench does not change it).
BUSINESS_ZONE = ZoneInfo("America/New_York")
PRIMARY = ("Bench Primary", "+13365551001")
SECONDARY = ("Bench Secondary", "+13365551002")
MANAGER = ("Bench Manager", "+13365551003")
# On call during the whole-calls scenario, so its paced pages never mix with the burst's.
DAY_SHIFT = ("Bench Day Shift", "+13365551004")
FIRST_ACCOUNT = 20001


@dataclass(frozen=True)
class Technician:
    """A seeded technician: what the bench needs to set them on call and match their texts."""

    name: str
    phone: str


@dataclass(frozen=True)
class CallSeed:
    """What the call scenarios need to know about the seeded database."""

    contacts: tuple[str, ...]  # one E.164 number per client, in account order
    primary: Technician  # on call for the burst
    secondary: Technician
    day_shift: Technician  # on call for the whole-calls scenario
    rotation: tuple[Technician, ...]  # extra technicians to put on call one after another


def client_phone(index: int) -> str:
    """The contact number of client `index` (555-01xx numbers are fictional in the NANP)."""
    return f"+1336{200 + index // 100:03d}01{index % 100:02d}"


def rotation_phone(index: int) -> str:
    """The phone of rotation technician `index`."""
    return f"+1919{200 + index // 100:03d}01{index % 100:02d}"


def close_today(session: Session, now: datetime) -> None:
    """Closures for today and tomorrow (business time zone): every call is an emergency,
    whatever the hour the bench runs at, even across local midnight."""
    today = now.astimezone(BUSINESS_ZONE).date()
    for day in (today, today + timedelta(days=1)):
        add_closure(session, day, "Benchmark (every call is an emergency)")


def seed_calls(
    database_url: str, *, clients: int = 300, rotation: int = 0, now: datetime | None = None
) -> CallSeed:
    """Seed a database migrated to head for the call scenarios; return what was made."""
    now = now or datetime.now(UTC)
    database = Database(database_url)
    try:
        with database.transaction() as session:
            phones = []
            for index in range(clients):
                account = str(FIRST_ACCOUNT + index)
                # Every third client has no MSA: their callers hear the payment notice.
                add_client(session, f"Bench Client {index:04d}", account, has_msa=index % 3 != 0)
                phone = client_phone(index)
                add_contact(session, account, f"Contact {index:04d}", phone, is_representative=True)
                phones.append(phone)
            techs = {}
            for name, phone in (PRIMARY, SECONDARY, MANAGER, DAY_SHIFT):
                add_technician(session, name, phone, is_manager=(name, phone) == MANAGER)
                techs[name] = Technician(name, phone)
            extra = []
            for index in range(rotation):
                tech = Technician(f"Bench Rotation {index:03d}", rotation_phone(index))
                add_technician(session, tech.name, tech.phone)
                extra.append(tech)
            set_on_call(session, PRIMARY[0], now=now, role=OnCallRole.PRIMARY)
            set_on_call(session, SECONDARY[0], now=now, role=OnCallRole.SECONDARY)
            default_policy(session)
            close_today(session, now)
    finally:
        database.engine.dispose()
    return CallSeed(
        contacts=tuple(phones),
        primary=techs[PRIMARY[0]],
        secondary=techs[SECONDARY[0]],
        day_shift=techs[DAY_SHIFT[0]],
        rotation=tuple(extra),
    )


def put_on_call(database: Database, name: str, *, role: str = OnCallRole.PRIMARY) -> None:
    """Make `name` the technician on call from now (as `intake oncall set` does)."""
    with database.transaction() as session:
        set_on_call(session, name, now=datetime.now(UTC), role=role)
