"""The Prometheus figures read from the database at each scrape, and who may scrape them.

The database figures (pages, escalations, the queue, acknowledgement times, the heartbeat)
are the same whichever process answers. The webhook latency histogram
(webhooks/handling.py) lives in the default registry of the process that served the
webhooks: each gunicorn worker reports its own, and Prometheus sums them.
"""

from __future__ import annotations

import hmac
import ipaddress
import math
from collections.abc import Iterator
from datetime import datetime, timedelta

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ticketing.calls.models import QueueEntry
from ticketing.models import (
    OutboxKind,
    OutboxMessage,
    OutboxStatus,
    ServiceClass,
    Ticket,
)
from ticketing.monitoring.health import PAGE_CHANNELS, oldest_due_page_age
from ticketing.monitoring.heartbeat import beat_age
from ticketing.paging.models import Escalation, EscalationStatus

# Acknowledgement times of the last month's emergencies, in the firm's terms: the policy
# texts at once, rings at 5 minutes, escalates at 10 and 15.
ACK_WINDOW = timedelta(days=30)
ACK_BUCKETS = (60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0)


def scrape_allowed(token: str | None, authorization: str, remote_addr: str | None) -> bool:
    """With a token, only its bearer; without one, only loopback clients."""
    if token:
        scheme, _, offered = authorization.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            offered.strip().encode(), token.encode()
        )
    try:
        return remote_addr is not None and ipaddress.ip_address(remote_addr).is_loopback
    except ValueError:
        return False


class DatabaseFigures(Collector):
    """The paging figures from the database, read when scraped."""

    def __init__(self, session: Session, now: datetime) -> None:
        self.session = session
        self.now = now

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily | HistogramMetricFamily]:
        """Every figure, one family each."""
        yield self._pages()
        yield _gauge(
            "intake_oldest_due_page_age_seconds",
            "Seconds the oldest due and unsent page has waited (0: none waiting).",
            oldest_due_page_age(self.session, self.now) or 0.0,
        )
        # Drills rehearse the line: they are left out of every figure of the real work.
        active = (
            select(func.count())
            .select_from(Escalation)
            .join(Ticket, Ticket.id == Escalation.ticket_id)
            .where(Escalation.status == EscalationStatus.ACTIVE, Ticket.drill.is_(False))
        )
        yield _gauge(
            "intake_active_escalations",
            "Emergencies being paged (not acknowledged, resolved or exhausted; drills left out).",
            self.session.scalar(active) or 0,
        )
        waiting = (
            select(func.count())
            .select_from(QueueEntry)
            .join(Ticket, Ticket.id == QueueEntry.ticket_id)
            .where(QueueEntry.left_at.is_(None), Ticket.drill.is_(False))
        )
        yield _gauge(
            "intake_helpdesk_queue_length",
            "Callers waiting in the help-desk queue (drill calls left out).",
            self.session.scalar(waiting) or 0,
        )
        age = beat_age(self.session, self.now)
        yield _gauge(
            "intake_scheduler_heartbeat_age_seconds",
            "Seconds since the outbox relay last beat (+Inf: never).",
            math.inf if age is None else age,
        )
        yield self._acknowledgements()

    def _pages(self) -> CounterMetricFamily:
        family = CounterMetricFamily(
            "intake_pages",
            "Pages to technicians that reached Twilio (sent) or were given up (failed); "
            "drills left out.",
            labels=["channel", "outcome"],
        )
        rows = self.session.execute(
            select(OutboxMessage.channel, OutboxMessage.status, func.count())
            .outerjoin(Ticket, Ticket.id == OutboxMessage.ticket_id)
            .where(
                OutboxMessage.kind == OutboxKind.PAGE,
                OutboxMessage.ticket_id.is_(None) | Ticket.drill.is_(False),
                OutboxMessage.channel.in_(PAGE_CHANNELS),
                OutboxMessage.status.in_((OutboxStatus.SENT, OutboxStatus.FAILED)),
            )
            .group_by(OutboxMessage.channel, OutboxMessage.status)
        )
        counts = {(str(channel), str(status)): count for channel, status, count in rows}
        for channel in PAGE_CHANNELS:
            for status in (OutboxStatus.SENT, OutboxStatus.FAILED):
                key = (str(channel), str(status))
                family.add_metric(list(key), counts.get(key, 0))
        return family

    def _acknowledgements(self) -> HistogramMetricFamily:
        rows = self.session.execute(
            select(Ticket.opened_at, Ticket.acknowledged_at).where(
                Ticket.service_class == ServiceClass.EMERGENCY,
                Ticket.drill.is_(False),
                Ticket.acknowledged_at >= self.now - ACK_WINDOW,
            )
        )
        seconds = [max((ack - opened).total_seconds(), 0.0) for opened, ack in rows]
        cumulative = [
            (f"{bound:g}", sum(1 for value in seconds if value <= bound)) for bound in ACK_BUCKETS
        ]
        return HistogramMetricFamily(
            "intake_acknowledgement_seconds",
            "From an emergency ticket's opening to its acknowledgement, over the last 30 days.",
            buckets=[*cumulative, ("+Inf", len(seconds))],
            sum_value=sum(seconds),
        )


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


def exposition(session: Session, now: datetime) -> bytes:
    """The Prometheus text of this process's registry and the database's figures."""
    figures = CollectorRegistry(auto_describe=False)
    figures.register(DatabaseFigures(session, now))
    return generate_latest(REGISTRY) + generate_latest(figures)
