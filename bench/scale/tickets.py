"""The scale seed's tickets: when each was opened (three years, growing, skewed towards a few
busy clients), its class, who called or asked, where it stands and the work logged on it.
Numbers follow opening order from the next free number, as the app would have given them."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

from bench.scale.people import ClientPlan, People
from bench.scale.writer import BulkWriter
from ticketing.models import FIRST_TICKET_NUMBER, ServiceClass, Ticket, TicketStatus

ZONE = ZoneInfo("America/New_York")
HISTORY_DAYS = 3 * 365
# Later days get more tickets: the density grows linearly from GROWTH[0] to sum(GROWTH).
GROWTH = (0.6, 0.8)
# The classes, bound once: every ticket is compared with them several times, and looking a
# member up on its enum costs about 0.4 µs a time on Python 3.11.
EMERGENCY, HELP_DESK = ServiceClass.EMERGENCY, ServiceClass.HELP_DESK
PROFESSIONAL = ServiceClass.PROFESSIONAL_SERVICE
CLASS_MIX = ((HELP_DESK, 0.6), (EMERGENCY, 0.25), (PROFESSIONAL, 0.15))
WHERE = ("front counter", "back office", "store 2", "the warehouse", "the kitchen", "register 3")
WHAT = {
    EMERGENCY: (
        "Point of sale down", "Card payments failing on every terminal",
        "Receipt printer not printing, line out the door", "Server not booting after a power cut",
        "Internet outage, cannot take orders", "Ransomware warning on a PC",
        "Invoices not printing before the delivery run", "Network switch dead",
    ),
    HELP_DESK: (
        "Password reset", "Outlook not syncing", "Label printer offline", "Add a new user",
        "Barcode scanner not reading", "Slow Wi-Fi", "Update the sales tax rate",
        "Printer jams on every page", "Cannot open the shared drive", "New phone for email",
    ),
    PROFESSIONAL: (
        "Install two new receipt printers", "Migrate email to the new domain",
        "Set up a second register", "Quarterly server patching", "Replace the firewall",
        "Add the espresso machine to the sales report", "Wire the new office",
    ),
}  # fmt: skip


@dataclass(slots=True)
class TicketPlan:
    """One ticket and everything its rows are made from."""

    client: ClientPlan
    cls: ServiceClass  # the class it has now
    called_emergency: bool  # came in as an emergency (may be reclassified since)
    opened: datetime
    reason: str
    description: str
    contact: tuple[int, str, str]
    user: tuple[int, str, int | None] | None  # the portal user who asked
    tech: tuple[int, str, str]
    id: int = 0
    status: TicketStatus = TicketStatus.RESOLVED
    ack_minutes: int | None = None
    work: list[tuple[datetime, int]] = field(default_factory=list)  # (start, minutes)
    resolved_at: datetime | None = None
    apply_retainer: bool = False
    scheduled: bool = True  # a requested service: staff confirmed who comes and when

    @property
    def phone(self) -> bool:
        """Opened by a call (professional services are asked for in the portal)."""
        return self.cls != PROFESSIONAL

    @property
    def acked_at(self) -> datetime | None:
        """When the on-call technician acknowledged (emergencies)."""
        if self.ack_minutes is None:
            return None
        return self.opened + timedelta(minutes=self.ack_minutes)


class Moments:
    """Local opening moments that fit each class (business hours, evenings, weekends)."""

    def __init__(self, rng: random.Random, now: datetime) -> None:
        self.rng, self.now = rng, now
        self.first = (now - timedelta(days=HISTORY_DAYS)).astimezone(ZONE).date()
        years = range(self.first.year, now.year + 1)
        self.closed = holidays.country_holidays("US", subdiv="NC", years=years)

    def _day(self) -> date:
        a, b = GROWTH
        u = self.rng.random()
        x = (-a + math.sqrt(a * a + 2 * b * u * (a + b / 2))) / b
        return self.first + timedelta(days=min(int(x * HISTORY_DAYS), HISTORY_DAYS))

    def _business_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.closed

    def pick(self, cls: ServiceClass) -> tuple[datetime, str]:
        """An opening moment (UTC, in the past) for a ticket of `cls`, and the reason."""
        while True:
            day, rng = self._day(), self.rng
            if cls == HELP_DESK or (cls == EMERGENCY and rng.random() < 0.2):
                while not self._business_day(day):
                    day += timedelta(days=1)
                local, reason = self._at(day, 8 * 60, 17 * 60), "business hours"
                if cls == EMERGENCY:
                    reason = "the caller chose emergency"
            elif cls == EMERGENCY:
                local = self._at(day, 17 * 60, 24 * 60 + 7 * 60)
                reason = self._after_hours(local)
            else:
                local, reason = self._at(day, 7 * 60, 22 * 60), "requested from the portal"
            moment = local.astimezone(UTC)
            if moment < self.now - timedelta(minutes=20):
                return moment, reason

    def _at(self, day: date, lo: int, hi: int) -> datetime:
        minute = self.rng.randrange(lo, hi)
        start = datetime.combine(day, time(0), tzinfo=ZONE)
        # Through UTC: a wall-clock time on a DST day stays a real moment.
        return (start.astimezone(UTC) + timedelta(minutes=minute)).astimezone(ZONE)

    def _after_hours(self, local: datetime) -> str:
        name = self.closed.get(local.date())
        if name:
            return f"holiday: {name}"
        return "weekend" if local.weekday() >= 5 else "evening"


def _pick_class(rng: random.Random) -> ServiceClass:
    u, total = rng.random(), 0.0
    for cls, share in CLASS_MIX:
        total += share
        if u < total:
            return cls
    return CLASS_MIX[-1][0]


def plan_tickets(rng: random.Random, people: People, count: int, now: datetime) -> list[TicketPlan]:
    """`count` tickets, numbered in the order they were opened."""
    moments = Moments(rng, now)
    weights = [c.share for c in people.clients]
    owners = rng.choices(people.clients, weights=weights, k=count)
    tech_weights = [1 + (i % 7) for i in range(len(people.techs))]
    techs = rng.choices(people.techs, weights=tech_weights, k=count)
    plans = []
    for client, tech in zip(owners, techs, strict=True):
        cls = _pick_class(rng)
        opened, reason = moments.pick(cls)
        what = rng.choice(WHAT[cls])
        user = rng.choice(client.users) if cls == PROFESSIONAL else None
        plans.append(
            TicketPlan(
                client=client,
                cls=cls,
                called_emergency=cls == EMERGENCY,
                opened=opened,
                reason=reason,
                description=f"{what} at {rng.choice(WHERE)} (ref {rng.randrange(10_000):04d}).",
                contact=rng.choice(client.contacts),
                user=user,
                tech=tech,
            )
        )
    plans.sort(key=lambda p: p.opened)
    for plan in plans:
        _settle(rng, plan, now)
    return plans


def _settle(rng: random.Random, plan: TicketPlan, now: datetime) -> None:
    """Where the ticket stands now, the work logged on it, reclassification, pre-paid hours."""
    age = now - plan.opened
    if plan.cls == EMERGENCY:
        plan.ack_minutes = rng.choice((2, 3, 4, 5, 6, 8, 9, 12, 15, 21, 34))
        resolved = age > timedelta(days=2) or rng.random() < 0.7
        if not resolved and rng.random() < 0.15:
            plan.status, plan.ack_minutes = TicketStatus.OPEN, None  # nobody acknowledged yet
            return
        if rng.random() < 0.05:
            plan.cls = HELP_DESK  # not an emergency after all
    else:
        chance = 1.0 if age > timedelta(days=14) else 0.85 if age > timedelta(days=2) else 0.4
        resolved = rng.random() < chance
    start = plan.acked_at or plan.opened
    start += timedelta(minutes=5) if plan.phone else timedelta(days=2)
    if start > now:
        start = now - timedelta(minutes=1)
    span = {EMERGENCY: (30, 180), HELP_DESK: (10, 60), PROFESSIONAL: (60, 480)}
    for n in range(1 if rng.random() < 0.75 else 2):
        minutes = rng.randrange(*span[plan.cls])
        begin = start + timedelta(minutes=n * 240)
        if begin + timedelta(minutes=minutes) < now:
            plan.work.append((begin, minutes))
    plan.apply_retainer = plan.client.prepaid and rng.random() < 0.3
    # Staff confirm requests within the day: only some of the last day's wait on the board.
    plan.scheduled = bool(plan.work) or age > timedelta(days=1) or rng.random() < 0.4
    if resolved and plan.work:
        last, minutes = plan.work[-1]
        plan.resolved_at = min(last + timedelta(minutes=minutes + 5), now)
        plan.status = TicketStatus.RESOLVED
    else:
        plan.status = (
            TicketStatus.ACKNOWLEDGED if plan.ack_minutes is not None else TicketStatus.OPEN
        )


def write_tickets(writer: BulkWriter, plans: list[TicketPlan]) -> None:
    """Number the tickets (next free number on, at least 1001) and write them."""
    first = writer.next_id(Ticket.__table__, FIRST_TICKET_NUMBER)
    for n, plan in enumerate(plans):
        plan.id = first + n
    writer.write(Ticket.__table__, TICKET_COLUMNS, (_ticket_row(p) for p in plans))


TICKET_COLUMNS = (
    "id", "service_class", "status", "classification_reason", "source", "client_id",
    "contact_id", "caller_number", "callback_number", "description", "recording_url",
    "recording_sid", "recording_duration", "payment_contact", "apply_retainer",
    "requested_by_user_id", "acknowledged_by_id", "assigned_to_id", "follow_up_of_id",
    "opened_at", "intake_completed_at", "paged_at", "acknowledged_at", "resolved_at",
)  # fmt: skip


def _ticket_row(p: TicketPlan) -> tuple:
    phone = p.contact[2]
    emergency = p.called_emergency
    sid = f"RE{p.id:032x}" if emergency else None  # the caller's recorded message
    recording = f"https://api.twilio.com/2010-04-01/Accounts/AC/Recordings/{sid}" if sid else None
    intake_done = p.opened + timedelta(minutes=1)
    acked = p.acked_at
    assigned = None if emergency or p.status == TicketStatus.OPEN else p.tech[0]
    return (
        p.id, p.cls, p.status, p.reason, "phone" if p.phone else "portal", p.client.id,
        p.contact[0], phone if p.phone else None, phone, p.description, recording, sid,
        41 if sid else None, not p.client.has_msa, p.apply_retainer,
        p.user[0] if p.user else None, p.tech[0] if acked else None, assigned, None, p.opened,
        intake_done, intake_done if emergency else None, acked, p.resolved_at,
    )  # fmt: skip
