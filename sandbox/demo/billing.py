"""Demo data: agreements of every kind with rates, a block of pre-paid hours drawn down
by tickets, and monthly invoices (paid, open and one void) built from the tickets' hours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from ticketing.billing import retainer
from ticketing.billing.models import (
    Agreement,
    AgreementKind,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Payment,
)
from ticketing.billing.months import add_months, first_of_month
from ticketing.billing.msa import set_msa
from ticketing.billing.reports import class_label
from ticketing.event_kinds import EventKind
from ticketing.models import Client, ServiceClass, Ticket
from ticketing.timeline import add_event

CENT = Decimal("0.01")
PREPAID_HOURS = Decimal(20)
PREPAID_PRICE = Decimal("135.00")
# Without a Master Services Agreement, the standard rates apply.
STANDARD_RATES = {
    ServiceClass.HELP_DESK: Decimal("150.00"),
    ServiceClass.PROFESSIONAL_SERVICE: Decimal("175.00"),
    ServiceClass.EMERGENCY: Decimal("250.00"),
}
AGREEMENTS = (
    # kind, name, help desk, professional, emergency rate, entitlements
    (
        AgreementKind.MSA,
        "Master Services Agreement",
        "125.00",
        "150.00",
        "225.00",
        "Rates for all services; professional services without extra work-order approval.",
    ),
    (
        AgreementKind.HELP_DESK,
        "Help Desk Agreement",
        "110.00",
        None,
        None,
        "Business-hours phone and remote help desk, first come first served; a client "
        "representative takes part in each session. Sessions may be capped at 30 minutes "
        "when call volume is high.",
    ),
    (
        AgreementKind.EMERGENCY_SUPPORT,
        "Emergency Support Services Agreement",
        None,
        None,
        "195.00",
        "24x7x365 emergency response for critical issues with the business management "
        "system: point of sale down, payments failing, invoices or receipts not printing.",
    ),
    (
        AgreementKind.PREPAID_HOURS,
        "Pre-paid hours: 20-hour block",
        None,
        None,
        None,
        "20 hours to apply to any ticket; emergency work draws its hours x 1.5.",
    ),
)


@dataclass(frozen=True)
class Worked:
    """A past ticket's work: hours, class, and what pre-paid hours covered."""

    ticket: Ticket
    hours: Decimal
    covered: Decimal  # work hours paid for with pre-paid hours
    drawn: Decimal  # pre-paid hours drawn (covered x multiplier for emergencies)


def add_agreements(
    session: Session, client: Client, start: date, kinds: tuple[AgreementKind, ...]
) -> dict[AgreementKind, Agreement]:
    """The client's agreements of `kinds`, in force from `start` for two years; the MSA is
    the one on file (put there as staff would, so the client's flag agrees), given its rates."""
    made = {}
    for kind, name, help_desk, professional, emergency, entitles in AGREEMENTS:
        if kind not in kinds:
            continue
        agreement = _msa_on_file(session, client, start) if kind == AgreementKind.MSA else None
        if agreement is None:
            agreement = Agreement(client_id=client.id, kind=kind)
            session.add(agreement)
        agreement.name, agreement.starts_on = name, start
        agreement.ends_on = start.replace(year=start.year + 2) - timedelta(days=1)
        agreement.help_desk_rate = Decimal(help_desk) if help_desk else None
        agreement.professional_rate = Decimal(professional) if professional else None
        agreement.emergency_rate = Decimal(emergency) if emergency else None
        agreement.emergency_multiplier = Decimal("1.5")
        agreement.entitlements = entitles
        made[kind] = agreement
    session.flush()
    return made


def _msa_on_file(session: Session, client: Client, start: date) -> Agreement:
    """The client's MSA in force from `start`: the one on file, or one put on file now."""
    on_file = set_msa(session, client, True, today=start)
    assert on_file is not None  # set_msa(on=True) always leaves one on file
    return on_file


def rates_of(agreements: dict[AgreementKind, Agreement]) -> dict[ServiceClass, Decimal]:
    """Each class's hourly rate: the most specific agreement's, else the MSA's, else the
    standard rate."""
    rates = dict(STANDARD_RATES)
    for kind in (AgreementKind.MSA, AgreementKind.HELP_DESK, AgreementKind.EMERGENCY_SUPPORT):
        found = agreements.get(kind)
        if found is None:
            continue
        for service_class, rate in (
            (ServiceClass.HELP_DESK, found.help_desk_rate),
            (ServiceClass.PROFESSIONAL_SERVICE, found.professional_rate),
            (ServiceClass.EMERGENCY, found.emergency_rate),
        ):
            if rate is not None:
                rates[service_class] = rate
    return rates


def buy_hours(session: Session, client: Client, agreement: Agreement, at: datetime) -> None:
    """The client buys the pre-paid block."""
    retainer.purchase(session, client.id, PREPAID_HOURS, agreement.id, "20-hour block", at)


def work(session: Session, ticket: Ticket, hours: str, *, prepaid: bool, by: str) -> Worked:
    """Record the work on `ticket`, drawing from pre-paid hours when the client chose so."""
    worked = Decimal(hours)
    if not prepaid:
        return Worked(ticket, worked, Decimal(0), Decimal(0))
    at = ticket.opened_at + timedelta(minutes=2)
    ticket.apply_retainer = True
    retainer_text = f"{by} chose to apply pre-paid hours"
    add_event(session, ticket.id, EventKind.RETAINER, retainer_text, at=at, actor=by)
    emergency = ticket.service_class == ServiceClass.EMERGENCY
    multiplier = retainer.multiplier_for(session, ticket.client_id or 0, at.date())
    drawn, left = retainer.draw(
        session, ticket, worked, emergency=emergency, multiplier=multiplier, now=at
    )
    return Worked(ticket, worked, worked - left, drawn)


def _lines(work_done: list[Worked], rates: dict[ServiceClass, Decimal]) -> list[InvoiceLine]:
    lines = []
    for done in work_done:
        ticket, cls = done.ticket, done.ticket.service_class
        label = f"Ticket #{ticket.number}: {class_label(cls)} — {ticket.description}"
        if done.covered:
            text = f"{label} (drawn from pre-paid hours: {done.drawn} h)"
            lines.append(
                InvoiceLine(
                    ticket_id=ticket.id,
                    service_class=cls,
                    description=text,
                    quantity=done.covered,
                    unit_price=Decimal("0.00"),
                    amount=Decimal("0.00"),
                )
            )
        billed = done.hours - done.covered
        if billed > 0:
            amount = (billed * rates[cls]).quantize(CENT)
            lines.append(
                InvoiceLine(
                    ticket_id=ticket.id,
                    service_class=cls,
                    description=label,
                    quantity=billed,
                    unit_price=rates[cls],
                    amount=amount,
                )
            )
    return lines


def monthly_invoice(
    session: Session,
    client: Client,
    month: date,
    work_done: list[Worked],
    rates: dict[ServiceClass, Decimal],
    *,
    status: InvoiceStatus,
    extra: list[InvoiceLine] | None = None,
    suffix: str = "",
) -> Invoice:
    """The invoice of `month`'s work, issued on the 1st of the next month (paid 12 days
    later when `status` is "paid")."""
    issued = add_months(month, 1)
    invoice = Invoice(
        client_id=client.id,
        number=f"INV-{month:%Y-%m}-{client.account_number}{suffix}",
        status=status,
        period=f"{month:%Y-%m}",
        issued_on=issued,
        due_on=issued + timedelta(days=30),
        created_at=_noon(issued),
        emailed_at=_noon(issued),  # the copy went out when it was issued
    )
    invoice.lines = [*(extra or []), *_lines(work_done, rates)]
    invoice.total = sum((line.amount for line in invoice.lines), Decimal("0.00"))
    session.add(invoice)
    if status == InvoiceStatus.PAID and invoice.total > 0:
        invoice.paid_at = _noon(issued + timedelta(days=12))
        invoice.payments.append(
            Payment(
                amount=invoice.total,
                method="check",
                reference=f"check-{invoice.number}",
                received_at=invoice.paid_at,
            )
        )
    session.flush()
    return invoice


def prepaid_line() -> InvoiceLine:
    """The purchase of the pre-paid block, billed with the month it was bought in."""
    return InvoiceLine(
        description=f"Pre-paid hours: {PREPAID_HOURS} h block",
        quantity=PREPAID_HOURS,
        unit_price=PREPAID_PRICE,
        amount=(PREPAID_HOURS * PREPAID_PRICE).quantize(CENT),
    )


def _noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, 0, tzinfo=ZoneInfo("America/New_York"))


def month_of(ticket: Ticket, zone: ZoneInfo) -> date:
    """The local month a ticket was opened in."""
    return first_of_month(ticket.opened_at.astimezone(zone).date())
