"""The ticket list's query: filters by status and class, a search over ticket number,
description and caller number, and pagination (every value from the address bar is
validated; text goes into bound parameters, LIKE wildcards escaped)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.interfaces import ORMOption

from portal_web.access import visible_tickets
from ticketing.accounts.models import User
from ticketing.models import ServiceClass, Ticket, TicketStatus

PAGE_SIZE = 25
MAX_QUERY = 100
STATUSES = tuple(s.value for s in TicketStatus)
CLASSES = tuple(c.value for c in ServiceClass)
# Beyond this a "page number" is garbage, and int() of a huge string is slow.
MAX_PAGE_DIGITS = 6
MAX_NUMBER_DIGITS = 9  # ticket numbers fit an INTEGER column


@dataclass(frozen=True)
class TicketFilter:
    """What the person asked the list for."""

    status: str | None = None
    service_class: str | None = None
    q: str = ""
    page: int = 1

    def args(self, page: int | None = None) -> dict[str, str | int]:
        """The query-string arguments that reproduce this filter (at `page`)."""
        found: dict[str, str | int] = {"page": page or self.page}
        if self.status:
            found["status"] = self.status
        if self.service_class:
            found["service_class"] = self.service_class
        if self.q:
            found["q"] = self.q
        return found


def parse_filter(args: Mapping[str, str]) -> TicketFilter:
    """A filter from the query string; unknown values mean "any", a bad page means 1."""
    status = args.get("status") or None
    service_class = args.get("service_class") or None
    raw_page = (args.get("page") or "1").strip()
    page = int(raw_page) if raw_page.isdecimal() and len(raw_page) <= MAX_PAGE_DIGITS else 1
    return TicketFilter(
        status=status if status in STATUSES else None,
        service_class=service_class if service_class in CLASSES else None,
        q=" ".join((args.get("q") or "").split())[:MAX_QUERY],
        page=max(page, 1),
    )


def like_pattern(text: str) -> str:
    """`text` as a LIKE pattern matching it anywhere, its own % and _ taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_condition(q: str) -> ColumnElement[bool]:
    """Tickets whose number, description or caller/callback number matches `q`."""
    pattern = like_pattern(q)
    found: list[ColumnElement[bool]] = [
        Ticket.description.ilike(pattern, escape="\\"),
        Ticket.caller_number.ilike(pattern, escape="\\"),
    ]
    number = q.lstrip("#").strip()
    # isdecimal, not isdigit: "²" is a digit to Python but int() refuses it.
    if number.isdecimal() and len(number) <= MAX_NUMBER_DIGITS:
        found.append(Ticket.id == int(number))
    # Numbers are stored as +13365550123: "(336) 555-0123" is searched by its digits.
    digits = re.sub(r"\D", "", q)
    if len(digits) >= 3:
        found.append(Ticket.caller_number.like(f"%{digits}%"))
        found.append(Ticket.callback_number.like(f"%{digits}%"))
    return or_(*found)


@dataclass(frozen=True)
class TicketPage:
    """One page of the list."""

    tickets: list[Ticket]
    total: int
    page: int
    pages: int


def find_tickets(session: Session, user: User, wanted: TicketFilter) -> TicketPage:
    """The page of tickets `user` may see that match `wanted`, newest first."""
    return page_of(session, visible_tickets(select(Ticket), user), wanted)


def page_of(
    session: Session,
    stmt: Select[tuple[Ticket]],
    wanted: TicketFilter,
    *,
    load: Sequence[ORMOption] = (),
) -> TicketPage:
    """Apply the filters, search and paging of `wanted` to a ticket query (portal and
    console share it); `load`: loader options for what the page shows of each ticket."""
    if wanted.status:
        stmt = stmt.where(Ticket.status == wanted.status)
    if wanted.service_class:
        stmt = stmt.where(Ticket.service_class == wanted.service_class)
    if wanted.q:
        stmt = stmt.where(search_condition(wanted.q))
    matching = stmt.with_only_columns(Ticket.id)
    total = session.scalar(select(func.count()).select_from(matching.subquery())) or 0
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(wanted.page, pages)
    newest_first = (Ticket.opened_at.desc(), Ticket.id.desc())
    # The page's numbers first: skipping thousands of rows then reads only the index
    # (client, opened_at, id), not the tickets; then the 25 tickets themselves.
    ids = matching.order_by(*newest_first).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    shown = list(session.scalars(ids))
    tickets = select(Ticket).where(Ticket.id.in_(shown)).options(*load).order_by(*newest_first)
    return TicketPage(list(session.scalars(tickets)) if shown else [], total, page, pages)
