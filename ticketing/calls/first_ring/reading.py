"""The first webhook's one read: everything its answer depends on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    bindparam,
    exists,
    func,
    literal,
    select,
)
from sqlalchemy.orm import aliased

from ticketing.calendar.stamp import stamp_now
from ticketing.calls.first_ring.driver import Link, built_once, one_row
from ticketing.directory import contact_for_phone
from ticketing.integrations.models import WebhookEndpoint
from ticketing.models import Call, Client, Contact, Technician, WebhookReceipt
from ticketing.oncall.models import OnCallOverride, OnCallRole
from ticketing.oncall.shifts import overrides_in_force
from ticketing.orm import UTCDateTime

# The override in force at a moment overlaps [moment, moment + 1 µs) (as `on_call` asks).
_INSTANT = timedelta(microseconds=1)


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
    link: Link,
    *,
    request_key: str,
    step_key: str,
    call_sid: str,
    caller_e164: str | None,
    now: datetime,
) -> FirstLook:
    """Everything the first webhook's answer depends on, in one statement."""
    postgres = link.postgres
    row = one_row(
        link,
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
    )
    return _first_look(row, request_key, step_key, postgres)


@built_once
def _reading(postgres: bool) -> Select:
    """The read, built once per process: SQLAlchemy then finds its compiled form at once."""
    request = aliased(WebhookReceipt, name="request_receipt")
    step = aliased(WebhookReceipt, name="step_receipt")
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
        request.status_code,
        request.body,
        request.created_at,
        step.status_code,
        step.body,
        step.created_at,
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
        anchor.outerjoin(request, request.key == bindparam("request_key"))
        .outerjoin(step, step.key == bindparam("step_key"))
        .outerjoin(Contact, Contact.id == contact_id)
        .outerjoin(Client, Client.id == Contact.client_id)
        .outerjoin(Technician, Technician.id == on_call_id)
    )


def _first_look(row: Sequence[Any], request_key: str, step_key: str, postgres: bool) -> FirstLook:
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
