"""A call's first webhook in two statements: one read, one write.

The first webhook of every call is the service's hottest path, and at a burst the
database's round trips are what it waits for. `look` reads, in one statement, everything
its answer depends on: the answers already given to this request (a retry), whether the
call is already known, the caller's contact and company, the calendar's stamp, the
on-call technician's standing override, whether other tools are owed events, and on
PostgreSQL the ticket number the call will get. The IVR's answer is composed from that;
`open_first` then writes the ticket, the call, its first timeline lines and the stored
answer together: on PostgreSQL as one statement (data-modifying CTEs), which is atomic by
itself, so that the whole webhook needs no BEGIN and no COMMIT.

What the read cannot settle (a call already known, a drill, another tool owed the
opening) goes through `open_call` and the ORM instead; so does SQLite, statement by
statement, where a round trip is a function call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Connection,
    CursorResult,
    Dialect,
    Engine,
    Executable,
    Insert,
    Row,
    Select,
    String,
    Subquery,
    Table,
    bindparam,
    exists,
    false,
    func,
    insert,
    literal,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from ivr.calendar import Classification
from ticketing.calendar.stamp import stamp_now
from ticketing.directory import contact_for_phone
from ticketing.event_kinds import EventKind, default_audience
from ticketing.integrations.models import WebhookEndpoint
from ticketing.models import (
    Call,
    Client,
    Contact,
    ServiceClass,
    Technician,
    Ticket,
    TicketEvent,
    TicketSource,
    TicketStatus,
    WebhookReceipt,
)
from ticketing.oncall.models import OnCallOverride, OnCallRole
from ticketing.oncall.shifts import overrides_in_force
from ticketing.orm import UTCDateTime

_REQUEST = aliased(WebhookReceipt, name="request_receipt")
_STEP = aliased(WebhookReceipt, name="step_receipt")
_TICKETS: Table = Ticket.__table__  # type: ignore[assignment]
_CALLS: Table = Call.__table__  # type: ignore[assignment]
_EVENTS: Table = TicketEvent.__table__  # type: ignore[assignment]
_RECEIPTS: Table = WebhookReceipt.__table__  # type: ignore[assignment]
# The override in force at a moment overlaps [moment, moment + 1 µs) (as `on_call` asks).
_INSTANT = timedelta(microseconds=1)


@contextmanager
def connection_for(session: Session) -> Iterator[Connection]:
    """The connection a first webhook runs on. On PostgreSQL, a pooled one of its own in
    autocommit: the read needs no transaction and the write is one statement (no BEGIN, no
    COMMIT: two round trips fewer, and none of the session's bookkeeping). On SQLite, or in
    a caller's transaction (the tests'), the session's: its caller commits."""
    bind = session.get_bind()
    if isinstance(bind, Engine) and bind.dialect.name == "postgresql":
        with bind.connect() as connection:
            yield connection.execution_options(isolation_level="AUTOCOMMIT")
        return
    yield session.connection()


@dataclass(frozen=True)
class Receipt:
    """An answer kept for a request or a step."""

    status_code: int
    body: str
    created_at: datetime


@dataclass(frozen=True)
class Caller:
    """The contact whose number called, and their company."""

    contact_id: int
    name: str
    client_id: int
    client_name: str
    account_number: str
    has_msa: bool


@dataclass(frozen=True)
class OnCall:
    """The technician an override puts on call."""

    id: int
    name: str
    phone: str


@dataclass(frozen=True)
class FirstLook:
    """What the read found."""

    receipts: dict[str, Receipt]
    call_known: bool
    caller: Caller | None
    calendar_stamp: str | None
    on_call: OnCall | None
    tools_owed: bool  # another tool takes ticket events: the ORM path writes them
    ticket_id: int | None  # reserved on PostgreSQL; SQLite numbers the ticket on insert


def look(
    connection: Connection,
    *,
    request_key: str,
    step_key: str,
    call_sid: str,
    caller_e164: str | None,
    now: datetime,
) -> FirstLook:
    """Everything the first webhook's answer depends on, in one statement."""
    postgres = connection.dialect.name == "postgresql"
    row = _execute(
        connection,
        _reading(postgres),
        {
            "request_key": request_key,
            "step_key": step_key,
            "call_sid": call_sid,
            "caller": caller_e164,
            "role": OnCallRole.PRIMARY.value,
            "moment": now,
            "moment_after": now + _INSTANT,
        },
    ).one()
    return _first_look(row, request_key, step_key, postgres)


def _execute(connection: Connection, statement: Executable, params: dict[str, Any]) -> CursorResult:
    """Run `statement`: on PostgreSQL as SQL compiled once per process, handed to the driver
    (which prepares it after a few runs). Looking a statement up in SQLAlchemy's compiled
    cache and processing its parameters cost more CPU than PostgreSQL spends running it;
    every value passed is already what the driver takes (str, int, aware datetime)."""
    if connection.dialect.name != "postgresql":
        return connection.execute(statement, params)
    sql, constants = _compiled(statement, connection.dialect)
    return connection.exec_driver_sql(sql, constants | params)


@cache
def _compiled(statement: Executable, dialect: Dialect) -> tuple[str, dict[str, Any]]:
    """The SQL of `statement` and the values it carries itself (LIMIT 1 and the like)."""
    compiled = statement.compile(dialect=dialect)
    constants = {
        name: bind.effective_value
        for name, bind in compiled.binds.items()
        if bind.effective_value is not None
    }
    return compiled.string, constants


@cache
def _reading(postgres: bool) -> Select:
    """The read, built once per process: SQLAlchemy then finds its compiled form at once."""
    contact_id = (
        contact_for_phone(bindparam("caller", type_=String))
        .with_only_columns(Contact.id)
        .scalar_subquery()
    )
    on_call_id = (
        overrides_in_force(
            bindparam("role", type_=String),
            bindparam("moment", type_=UTCDateTime()),
            bindparam("moment_after", type_=UTCDateTime()),
        )
        .with_only_columns(OnCallOverride.technician_id)
        .order_by(OnCallOverride.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    anchor = select(literal(1).label("one")).subquery("anchor")
    columns: list[ColumnElement] = [
        _REQUEST.status_code,
        _REQUEST.body,
        _REQUEST.created_at,
        _STEP.status_code,
        _STEP.body,
        _STEP.created_at,
        exists().where(Call.call_sid == bindparam("call_sid")).label("call_known"),
        Contact.id,
        Contact.name,
        Client.id,
        Client.name,
        Client.account_number,
        Client.has_msa,
        stamp_now().label("calendar_stamp"),
        Technician.id,
        Technician.name,
        Technician.phone,
        exists().where(WebhookEndpoint.removed_at.is_(None)).label("tools_owed"),
    ]
    if postgres:
        columns.append(func.nextval(func.pg_get_serial_sequence("tickets", "id")))
    return select(*columns).select_from(
        anchor.outerjoin(_REQUEST, _REQUEST.key == bindparam("request_key"))
        .outerjoin(_STEP, _STEP.key == bindparam("step_key"))
        .outerjoin(Contact, Contact.id == contact_id)
        .outerjoin(Client, Client.id == Contact.client_id)
        .outerjoin(Technician, Technician.id == on_call_id)
    )


def _first_look(row: Row, request_key: str, step_key: str, postgres: bool) -> FirstLook:
    (r_status, r_body, r_at, s_status, s_body, s_at, known) = row[:7]
    receipts = {}
    if r_status is not None:
        receipts[request_key] = Receipt(r_status, r_body, r_at)
    if s_status is not None:
        receipts[step_key] = Receipt(s_status, s_body, s_at)
    contact_id, name, client_id, client_name, account, has_msa = row[7:13]
    caller = None
    if contact_id is not None:
        caller = Caller(contact_id, name, client_id, client_name, account, bool(has_msa))
    stamp, tech_id, tech_name, tech_phone, tools = row[13:18]
    return FirstLook(
        receipts=receipts,
        call_known=bool(known),
        caller=caller,
        calendar_stamp=stamp,
        on_call=OnCall(tech_id, tech_name, tech_phone) if tech_id is not None else None,
        tools_owed=bool(tools),
        ticket_id=row[18] if postgres else None,
    )


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


def number_ticket(connection: Connection, first: FirstLook, opening: Opening) -> int:
    """The new ticket's number: reserved by the read on PostgreSQL; on SQLite the ticket
    row is written now (in the webhook's transaction) to be numbered."""
    if first.ticket_id is not None:
        return first.ticket_id
    insert_ticket = _ticket_insert(numbered=False).returning(_TICKETS.c.id)
    return _execute(connection, insert_ticket, _opening_params(opening)).scalar_one()


def open_first(
    connection: Connection,
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
            _execute(connection, write, params)
        return
    _execute(connection, _together(len(lines), len(receipts)), params)


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


@cache
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


@cache
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


@cache
def _together(lines: int, receipts: int) -> Select:
    """Every INSERT in one statement, each a data-modifying CTE: PostgreSQL checks the
    foreign keys at the statement's end."""
    writes = _writes(lines, receipts, numbered=True)
    return select(literal_column("1")).add_cte(
        *(write.cte(f"write_{index}") for index, write in enumerate(writes))
    )
