"""The first webhook's one write: the ticket, the call, its first lines and the answers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Insert,
    Select,
    Subquery,
    Table,
    bindparam,
    false,
    insert,
    literal_column,
    select,
    union_all,
)

from ivr.calendar import Classification
from ticketing.calls.first_ring.driver import Link, built_once, execute, one_row
from ticketing.calls.first_ring.reading import Caller, FirstLook
from ticketing.event_kinds import EventKind, default_audience
from ticketing.models import (
    Call,
    ServiceClass,
    Ticket,
    TicketEvent,
    TicketSource,
    TicketStatus,
    WebhookReceipt,
)

_TICKETS: Table = Ticket.__table__  # type: ignore[assignment]
_CALLS: Table = Call.__table__  # type: ignore[assignment]
_EVENTS: Table = TicketEvent.__table__  # type: ignore[assignment]
_RECEIPTS: Table = WebhookReceipt.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class Opening:
    """The new call as the first webhook found it."""

    call_sid: str
    from_raw: str
    caller_e164: str | None
    to_number: str
    classification: Classification
    caller: Caller | None
    now: datetime

    @property
    def service_class(self) -> ServiceClass:
        """Emergency or help desk, as the moment classified it."""
        if self.classification.is_emergency:
            return ServiceClass.EMERGENCY
        return ServiceClass.HELP_DESK


def number_ticket(link: Link, first: FirstLook, opening: Opening) -> int:
    """The new ticket's number: reserved by the read on PostgreSQL; on SQLite the ticket
    row is written now (in the webhook's transaction) to be numbered."""
    if first.ticket_id is not None:
        return first.ticket_id
    insert_ticket = _ticket_insert(numbered=False).returning(_TICKETS.c.id)
    return one_row(link, insert_ticket, _opening_params(opening))[0]


def open_first(
    link: Link,
    first: FirstLook,
    opening: Opening,
    ticket_id: int,
    lines: list[tuple[EventKind, str]],
    *,
    transfer_to: int | None,
    receipts: list[tuple[str, str, int, str]],
) -> None:
    """Write the ticket (on PostgreSQL), the call, its timeline `lines` and the `receipts`
    (key, path, status, body; one path and status): one statement on PostgreSQL."""
    params = _opening_params(opening) | {
        "ticket_id": ticket_id,
        "call_sid": opening.call_sid,
        "from_raw": opening.from_raw[:64],
        "to_number": opening.to_number[:64],
        "classified_for": opening.classification.local,
        "in_business_hours": not opening.classification.is_emergency,
        "transfer_to": transfer_to,
        "path": receipts[0][1][:200],
        "status_code": receipts[0][2],
    }
    for row, (kind, message) in enumerate(lines):
        params |= {f"kind_{row}": kind.value, f"message_{row}": message}
        params[f"audience_{row}"] = default_audience(kind)
    for row, (key, _path, _status, body) in enumerate(receipts):
        params |= {f"key_{row}": key, f"body_{row}": body}
    writes = _writes(len(lines), len(receipts), numbered=first.ticket_id is not None)
    if first.ticket_id is None:
        # SQLite: the ticket is in already; a statement a table (a round trip is a call).
        for write in writes:
            execute(link, write, params)
        return
    execute(link, _together(len(lines), len(receipts)), params)


# Values every new call's rows share, and those that never vary, are written into the
# statement once: psycopg caches its parsing only of statements with at most 50 parameters.
def _p(name: str, type_: Any) -> BindParameter:
    return bindparam(name, type_=type_)


def _const(sql: str) -> ColumnElement:
    return literal_column(sql)


def _opening_params(opening: Opening) -> dict[str, Any]:
    caller = opening.caller
    return {
        "service_class": opening.service_class,
        "reason": opening.classification.reason,
        "client_id": caller.client_id if caller else None,
        "contact_id": caller.contact_id if caller else None,
        "caller_number": opening.caller_e164 or opening.from_raw[:64],
        "caller_e164": opening.caller_e164,
        "now": opening.now,
    }


@built_once
def _ticket_insert(*, numbered: bool) -> Insert:
    """The new ticket (`numbered`: with the id the read reserved)."""
    t = _TICKETS.c
    values: dict[str, Any] = {
        "service_class": _p("service_class", t.service_class.type),
        "status": _const(f"'{TicketStatus.OPEN.value}'"),
        "classification_reason": _p("reason", t.classification_reason.type),
        "source": _const(f"'{TicketSource.PHONE.value}'"),
        "client_id": _p("client_id", t.client_id.type),
        "contact_id": _p("contact_id", t.contact_id.type),
        "caller_number": _p("caller_number", t.caller_number.type),
        "opened_at": _p("now", t.opened_at.type),
        "payment_contact": false(),
        "apply_retainer": false(),
        "drill": false(),
    }
    if numbered:
        values["id"] = _p("ticket_id", t.id.type)
    return insert(_TICKETS).values(values)


@built_once
def _writes(lines: int, receipts: int, *, numbered: bool) -> tuple[Insert, ...]:
    """The INSERTs of a new call (the ticket's only when `numbered`), built once per shape."""
    c, e, r = _CALLS.c, _EVENTS.c, _RECEIPTS.c
    call = insert(_CALLS).values(
        call_sid=_p("call_sid", c.call_sid.type),
        ticket_id=_p("ticket_id", c.ticket_id.type),
        from_raw=_p("from_raw", c.from_raw.type),
        caller_e164=_p("caller_e164", c.caller_e164.type),
        to_number=_p("to_number", c.to_number.type),
        started_at=_p("now", c.started_at.type),
        classified_for=_p("classified_for", c.classified_for.type),
        service_class=_p("service_class", c.service_class.type),
        reason=_p("reason", c.reason.type),
        in_business_hours=_p("in_business_hours", c.in_business_hours.type),
        status=_const("'ringing'"),
        last_sequence=_const("-1"),
        transfer_technician_id=_p("transfer_to", c.transfer_technician_id.type),
    )
    # Rows in order, from a SELECT: a multi-row VALUES is never cached by SQLAlchemy.
    said = _in_order(
        "lines",
        lines,
        lambda row: (
            _p(f"kind_{row}", e.kind.type).label("kind"),
            _p(f"message_{row}", e.message.type).label("message"),
            _p(f"audience_{row}", e.audience.type).label("audience"),
        ),
    )
    events = insert(_EVENTS).from_select(
        ["ticket_id", "at", "kind", "message", "actor", "audience"],
        select(
            _p("ticket_id", e.ticket_id.type),
            _p("now", e.at.type),
            said.c.kind,
            said.c.message,
            _const("'system'"),
            said.c.audience,
        ).order_by(said.c.n),
    )
    kept = _in_order(
        "kept",
        receipts,
        lambda row: (
            _p(f"key_{row}", r.key.type).label("key"),
            _p(f"body_{row}", r.body.type).label("body"),
        ),
    )
    answers = insert(_RECEIPTS).from_select(
        ["key", "path", "status_code", "body", "created_at"],
        select(
            kept.c.key,
            _p("path", r.path.type),
            _p("status_code", r.status_code.type),
            kept.c.body,
            _p("now", r.created_at.type),
        ).order_by(kept.c.n),
    )
    writes = (call, events, answers)
    return (_ticket_insert(numbered=True), *writes) if numbered else writes


def _in_order(name: str, count: int, row: Callable[[int], tuple]) -> Subquery:
    """`count` rows of parameters with their place `n`, as a subquery."""
    rows = [select(*row(index), literal_column(str(index)).label("n")) for index in range(count)]
    return (union_all(*rows) if count > 1 else rows[0]).subquery(name)


@built_once
def _together(lines: int, receipts: int) -> Select:
    """Every INSERT in one statement, each a data-modifying CTE: PostgreSQL checks the
    foreign keys at the statement's end."""
    writes = _writes(lines, receipts, numbered=True)
    return select(literal_column("1")).add_cte(
        *(write.cte(f"write_{index}") for index, write in enumerate(writes))
    )
