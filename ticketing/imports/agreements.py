"""CSV import of agreements: MSA, help desk, emergency support and pre-paid hours, with
their terms and rates; pre-paid hours become a purchase in the client's retainer ledger.

All or nothing, like the invoice import (ticketing/imports/csv_files.py).
"""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing.billing.models import (
    AGREEMENT_KINDS,
    Agreement,
    AgreementKind,
    RetainerEntry,
    RetainerKind,
)
from ticketing.imports.fields import (
    Fields,
    ImportResult,
    Row,
    client_of,
    clients_by_account,
    line_of,
    read_sheet,
)
from ticketing.models import Client
from ticketing.wallclock import business_zone

ZERO = Decimal("0.00")
AGREEMENT_COLUMNS = (
    "account",
    "kind",
    "name",
    "starts_on",
    "ends_on",
    "help_desk_rate",
    "professional_rate",
    "emergency_rate",
    "emergency_multiplier",
    "billing_increment_minutes",
    "emergency_minimum_minutes",
    "prepaid_hours",
    "entitlements",
)


def _agreement(f: Fields, clients: dict[str, Client]) -> Agreement | None:
    before = len(f.errors)
    client = client_of(f, clients)
    kind = f.choice("kind", AGREEMENT_KINDS)
    starts_on, ends_on = f.day("starts_on"), f.day("ends_on", required=False)
    if starts_on and ends_on and ends_on < starts_on:
        f.fail(f"ends_on {ends_on} is before starts_on {starts_on}")
    rate = {"minimum": ZERO, "required": False}
    values = {
        "name": f.text("name"),
        "help_desk_rate": f.number("help_desk_rate", **rate),
        "professional_rate": f.number("professional_rate", **rate),
        "emergency_rate": f.number("emergency_rate", **rate),
        "emergency_multiplier": f.number(
            "emergency_multiplier", required=False, below=Decimal(100), minimum=Decimal("0.01")
        )
        or Decimal("1.5"),
        "billing_increment_minutes": f.whole(
            "billing_increment_minutes", default=15, minimum=1, maximum=1440
        ),
        "emergency_minimum_minutes": f.whole(
            "emergency_minimum_minutes", default=60, minimum=0, maximum=1440
        ),
        "entitlements": f.text("entitlements", required=False, max_len=5000) or "",
    }
    if len(f.errors) > before or client is None:
        return None
    return Agreement(
        client=client,
        client_id=client.id,
        kind=kind,
        starts_on=starts_on,
        ends_on=ends_on,
        **values,
    )


def _prepaid(f: Fields, kind: str | None) -> Decimal:
    hours = f.number("prepaid_hours", required=False, below=Decimal("1e8"), minimum=ZERO) or ZERO
    if hours > ZERO and kind != AgreementKind.PREPAID_HOURS:
        f.fail("prepaid_hours is for a prepaid_hours agreement only")
    return hours


def import_agreements(
    session: Session, data: bytes | str, *, now: datetime, timezone: str | None = None
) -> ImportResult:
    """Add the agreements of a CSV file (pre-paid hours become a purchase in the retainer
    ledger), or nothing at all if any row is wrong."""
    sheet = read_sheet(data, AGREEMENT_COLUMNS)
    result = ImportResult(errors=sheet.errors)
    found = _agreement_rows(session, sheet.rows, result.errors)
    if result.errors:
        result.errors.sort(key=line_of)
        return result
    zone = business_zone(timezone)
    for agreement, hours in found:
        result.summary.append(_add_agreement(session, agreement, hours, now, zone))
    result.count = len(found)
    return result


def _agreement_rows(
    session: Session, rows: list[Row], errors: list[str]
) -> list[tuple[Agreement, Decimal]]:
    clients = clients_by_account(session)
    found: list[tuple[Agreement, Decimal]] = []
    seen: dict[tuple[object, ...], int] = {}
    for row in rows:
        f = Fields(row, errors)
        before = len(errors)
        agreement = _agreement(f, clients)
        hours = _prepaid(f, row.cells.get("kind", "").lower())
        if agreement is None or len(errors) > before:
            continue
        key = (agreement.client_id, agreement.kind, agreement.name, agreement.starts_on)
        if key in seen:
            f.fail(f"the same agreement is on line {seen[key]}")
        elif _agreement_exists(session, key):
            f.fail(f"agreement {agreement.name!r} from {agreement.starts_on} is already imported")
        seen.setdefault(key, row.line)
        found.append((agreement, hours))
    return found


def _agreement_exists(session: Session, key: tuple[object, ...]) -> bool:
    client_id, kind, name, starts_on = key
    stmt = select(Agreement.id).where(
        Agreement.client_id == client_id,
        Agreement.kind == kind,
        Agreement.name == name,
        Agreement.starts_on == starts_on,
    )
    return session.scalar(stmt) is not None


def _add_agreement(
    session: Session, agreement: Agreement, hours: Decimal, now: datetime, zone: ZoneInfo
) -> str:
    session.add(agreement)
    session.flush()
    client = agreement.client
    text = f"{agreement.kind}  {agreement.name!r}  {client.name} (account {client.account_number})"
    text += f"  from {agreement.starts_on} to {agreement.ends_on or 'open-ended'}"
    today = now.astimezone(zone).date()
    in_force = agreement.starts_on <= today and (
        agreement.ends_on is None or agreement.ends_on >= today
    )
    # The phone line reads these flags ("no MSA: emergency rates apply").
    if in_force and agreement.kind == AgreementKind.MSA and not client.has_msa:
        client.has_msa = True
        text += "  (client now marked as having an MSA)"
    emergency = agreement.kind == AgreementKind.EMERGENCY_SUPPORT
    if in_force and emergency and not client.has_emergency_agreement:
        client.has_emergency_agreement = True
        text += "  (client now marked as having an emergency agreement)"
    if hours > ZERO:
        bought = datetime.combine(agreement.starts_on, time(0), tzinfo=zone)
        session.add(
            RetainerEntry(
                client_id=client.id,
                agreement_id=agreement.id,
                at=min(bought, now),
                kind=RetainerKind.PURCHASE,
                hours=hours,
                note=f"{hours} pre-paid hours: {agreement.name}"[:300],
            )
        )
        text += f"  +{hours} pre-paid hours"
    return text
