"""The delivery log: every SMS, call, email, call redirect and webhook the service owed, newest
first, with Twilio's status and error code (and what the code means); failures stand out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask import render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from ivr.phones import national
from portal_web import access, context
from portal_web.console.blueprint import console
from ticketing.error_codes import KNOWN_CODES
from ticketing.models import OutboxChannel, OutboxMessage, OutboxStatus

PAGE_SIZE = 50
CHANNELS = tuple(c.value for c in OutboxChannel)
STATUSES = tuple(s.value for s in OutboxStatus)
# Twilio's final word that a message or call did not get through.
FAILED_DELIVERY = ("failed", "undelivered")
MAX_PAGE_DIGITS = 6


@dataclass(frozen=True)
class DeliveryFilter:
    """What the log was asked for."""

    channel: str | None = None
    status: str | None = None
    failed: bool = False
    page: int = 1

    def args(self, page: int | None = None) -> dict[str, str | int]:
        """The query-string arguments that reproduce this filter (at `page`)."""
        found: dict[str, str | int] = {"page": page or self.page}
        if self.channel:
            found["channel"] = self.channel
        if self.status:
            found["status"] = self.status
        if self.failed:
            found["failed"] = "1"
        return found


def parse_delivery_filter(args: Mapping[str, str]) -> DeliveryFilter:
    """A filter from the query string; unknown values mean "any", a bad page means 1."""
    channel, status = args.get("channel") or None, args.get("status") or None
    raw_page = (args.get("page") or "1").strip()
    page = int(raw_page) if raw_page.isdecimal() and len(raw_page) <= MAX_PAGE_DIGITS else 1
    return DeliveryFilter(
        channel=channel if channel in CHANNELS else None,
        status=status if status in STATUSES else None,
        failed=args.get("failed") in ("1", "on", "true"),
        page=max(page, 1),
    )


def failed_condition() -> ColumnElement[bool]:
    """Rows that could not be sent, or that Twilio says did not arrive."""
    return or_(
        OutboxMessage.status == OutboxStatus.FAILED,
        OutboxMessage.delivery_status.in_(FAILED_DELIVERY),
    )


def is_failed(row: OutboxMessage) -> bool:
    """The Python side of failed_condition, for highlighting a row."""
    return row.status == OutboxStatus.FAILED or row.delivery_status in FAILED_DELIVERY


def recipient(row: OutboxMessage) -> str:
    """Who it went to: an email address, a live call's SID, or a number in national form."""
    if row.channel in (OutboxChannel.EMAIL, OutboxChannel.WEBHOOK):
        return row.to_address or row.to_number
    if row.channel == OutboxChannel.REDIRECT:
        return f"live call {row.to_number}"
    return national(row.to_number)


def code_meaning(code: str | None) -> str:
    """What a Twilio error code means, when it is one we know."""
    return KNOWN_CODES.get(code or "", "")


@dataclass(frozen=True)
class DeliveryPage:
    """One page of the log."""

    rows: list[OutboxMessage]
    total: int
    page: int
    pages: int


def find_deliveries(session: Session, wanted: DeliveryFilter) -> DeliveryPage:
    """The page of outbox rows matching `wanted`, newest first."""
    stmt = select(OutboxMessage)
    if wanted.channel:
        stmt = stmt.where(OutboxMessage.channel == wanted.channel)
    if wanted.status:
        stmt = stmt.where(OutboxMessage.status == wanted.status)
    if wanted.failed:
        stmt = stmt.where(failed_condition())
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(wanted.page, pages)
    stmt = stmt.order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
    rows = list(session.scalars(stmt.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)))
    return DeliveryPage(rows, total, page, pages)


@console.context_processor
def _delivery_helpers() -> dict[str, object]:
    # The ticket page lists its own outbox rows with the same helpers.
    return {
        "delivery_failed": is_failed,
        "delivery_recipient": recipient,
        "code_meaning": code_meaning,
    }


@console.get("/delivery")
@access.staff_required
def delivery() -> ResponseReturnValue:
    """GET /console/delivery: the delivery log, 50 a page, filtered by channel/status."""
    wanted = parse_delivery_filter(request.args)
    return render_template(
        "console/delivery.html",
        found=find_deliveries(context.db(), wanted),
        wanted=wanted,
        channels=CHANNELS,
        statuses=STATUSES,
    )
