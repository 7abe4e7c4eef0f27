"""A new call's first webhook, the quick way: one read, the answer composed from it, one
write (ticketing/calls/first_ring/, docs/decisions/0007). `voice.incoming` is the view
for what this does not settle."""

from __future__ import annotations

from datetime import datetime

from ivr import flow
from ivr.flow import Paths
from ivr.phones import to_e164
from ivr.twiml_text import twiml_text
from ticketing.calendar.days import business_calendar, kept_calendar
from ticketing.calls import first_ring
from ticketing.calls import intake as calls
from ticketing.models import ServiceClass
from ticketing.oncall.models import OnCallRole
from ticketing.oncall.roster import on_call
from webhooks import drill_marker, params
from webhooks.call_moment import moment_of_call
from webhooks.call_views import firm_view, live_transfer
from webhooks.receipts import Keys, StoredAnswer, earlier_answer


def answer_new_call(keys: Keys, now: datetime) -> StoredAnswer | None:
    """A new call's first webhook in two statements (ticketing/calls/first_ring/); None
    for one the view answers: no CallSid, a drill, a call known already, tools owed events.
    On PostgreSQL it opens no session unless the calendar or the rotation must be read."""
    call_sid = params.form("CallSid", 64)
    if not call_sid or drill_marker.verified() is not None:
        return None
    with first_ring.connection_for(params.bind(), params.session) as link:
        answer = _answer_first(link, keys, now, call_sid)
    if answer is not None and link.pooled is None:
        params.session().commit()  # SQLite's (or the tests') transaction: the writes are in it
    return answer


def _answer_first(
    link: first_ring.Link, keys: Keys, now: datetime, call_sid: str
) -> StoredAnswer | None:
    from_raw = params.form("From", 64)
    e164 = to_e164(from_raw)
    first = first_ring.look(
        link,
        request_key=keys.request,
        step_key=keys.step,
        call_sid=call_sid,
        caller_e164=e164,
        now=now,
    )
    previous = earlier_answer(first.receipts, keys.request, keys.step, now)
    if previous is not None:
        return StoredAnswer(previous.status_code, previous.body)
    if first.call_known or first.tools_owed:
        return None
    settings = params.settings()
    calendar = kept_calendar(settings, first.calendar_stamp)
    if calendar is None:  # edited since this process last built it (or never built)
        calendar = business_calendar(params.session(), settings, stamp=first.calendar_stamp)
    opening = first_ring.Opening(
        call_sid=call_sid,
        from_raw=from_raw,
        caller_e164=e164,
        to_number=params.form("To", 64),
        classification=calendar.classify(moment_of_call(calendar, settings, now)),
        caller=first.caller,
        now=now,
    )
    ticket_id = first_ring.number_ticket(link, first, opening)
    caller = first.caller
    identified = (caller.name, caller.client_name, caller.account_number) if caller else None
    lines = calls.opening_lines(opening.classification, from_raw, e164, identified)
    tech = _technician_to_ring(settings, first, opening) if caller else None
    if tech is not None:
        lines.append(calls.transfer_line(tech.name))
    view = firm_view(
        settings,
        service_class=opening.service_class,
        in_business_hours=not opening.classification.is_emergency,
        client_name=caller.client_name if caller else None,
        has_msa=caller.has_msa if caller else False,
        caller_number=e164,
        ticket_number=ticket_id,
        transfer=live_transfer(settings, call_sid, tech.id, tech.phone) if tech else None,
    )
    # A stranger is asked for their account; a known caller goes on (menu or intake).
    answer = flow.after_identification(view) if caller else flow.ask_account_number(view, 1)
    body = twiml_text(answer)
    kept = [(keys.request, Paths.START, 200, body)]
    if keys.step not in first.receipts:
        kept.append((keys.step, Paths.START, 200, body))
    first_ring.open_first(
        link,
        first,
        opening,
        ticket_id,
        lines,
        transfer_to=tech.id if tech else None,
        receipts=kept,
    )
    return StoredAnswer(200, body)


def _technician_to_ring(
    settings: params.WebhookSettings, first: first_ring.FirstLook, opening: first_ring.Opening
) -> first_ring.OnCall | None:
    """The on-call technician to ring live for a new emergency, if live transfer is on."""
    if not settings.live_transfer or opening.service_class != ServiceClass.EMERGENCY:
        return None
    if first.on_call is not None:
        return first.on_call
    # No override in force: the rotation decides (its shifts take the ORM's queries).
    rotation = on_call(params.session(), opening.now, OnCallRole.PRIMARY)
    return first_ring.OnCall(rotation.id, rotation.name, rotation.phone) if rotation else None
