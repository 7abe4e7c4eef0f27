"""The escalation engine on its own: steps at their times, each once, until someone answers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from ticketing.models import OutboxMessage, Ticket
from ticketing.oncall.roster import set_on_call
from ticketing.paging.escalation import (
    escalation_of,
    planned_step,
    start_escalation,
    sweep_escalations,
    total_steps,
)
from ticketing.paging.models import Escalation
from ticketing.paging.policies import set_policy
from ticketing.paging.responses import acknowledge, escalate, not_an_emergency, resolve


@pytest.fixture
def emergency(session, directory, clock) -> Ticket:
    set_on_call(session, "Luis Romero", now=clock(), role="secondary")
    ticket = Ticket(
        service_class="emergency",
        client_id=directory["bakery"].id,
        contact_id=directory["jane"].id,
        callback_number="+13365550123",
        description="POS down",
    )
    session.add(ticket)
    session.flush()
    return ticket


def _outbox(session) -> list[tuple[str, str, int | None]]:
    rows = session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "page").order_by(OutboxMessage.id)
    )
    return [(row.to_number[-4:], row.channel, row.escalation_step) for row in rows]


DANA, LUIS, PRIYA = "0101", "0102", "0103"


def test_default_policy_pages_in_the_designed_order(session, emergency, clock) -> None:
    start = clock()
    escalation = start_escalation(session, emergency, now=start)
    assert _outbox(session) == [(DANA, "sms", 0)]
    assert escalation.escalate_at == start + timedelta(minutes=5)

    clock.advance(timedelta(minutes=5))
    assert sweep_escalations(session, clock()) == 1
    assert _outbox(session)[-1] == (DANA, "call", 1)

    clock.advance(timedelta(minutes=5))
    sweep_escalations(session, clock())
    assert _outbox(session)[-2:] == [(LUIS, "sms", 2), (LUIS, "call", 2)]

    clock.advance(timedelta(minutes=5))
    sweep_escalations(session, clock())
    assert _outbox(session)[-2:] == [(PRIYA, "sms", 3), (PRIYA, "call", 3)]


def test_a_step_is_not_fired_early_or_twice(session, emergency, clock) -> None:
    start_escalation(session, emergency, now=clock())
    clock.advance(timedelta(minutes=4, seconds=59))
    assert sweep_escalations(session, clock()) == 0
    clock.advance(timedelta(seconds=1))
    assert sweep_escalations(session, clock()) == 1
    assert sweep_escalations(session, clock()) == 0
    assert len(_outbox(session)) == 2


def test_after_a_scheduler_outage_every_overdue_step_fires_in_order(
    session, emergency, clock
) -> None:
    start_escalation(session, emergency, now=clock())
    clock.advance(timedelta(minutes=16))  # the scheduler was down for 16 minutes
    assert sweep_escalations(session, clock()) == 3
    assert [step for *_, step in _outbox(session)] == [0, 1, 2, 2, 3, 3]


def test_policy_repeats_then_runs_out_and_alerts_staff(session, emergency, clock) -> None:
    set_policy(
        session,
        ["0s primary sms", "2m secondary sms"],
        repeat=2,
        repeat_delay_seconds=60,
        now=clock(),
    )
    escalation = start_escalation(session, emergency, now=clock())
    assert total_steps(escalation.policy) == 4
    assert planned_step(escalation, 2).due == clock() + timedelta(minutes=3)
    clock.advance(timedelta(hours=1))
    sweep_escalations(session, clock())
    assert [who for who, *_ in _outbox(session)] == [DANA, LUIS, DANA, LUIS]
    # The last page only just left (the sweep caught up late): it still gets its minute.
    assert escalation.status == "active"
    clock.advance(timedelta(seconds=60))
    sweep_escalations(session, clock())
    assert escalation.status == "exhausted"
    alerts = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "alert")).all()
    assert [a.to_number[-4:] for a in alerts] == [PRIYA]
    assert alerts[0].body.startswith(f"UNACKNOWLEDGED EMERGENCY #{emergency.number}")
    assert "escalation_exhausted" in [e.kind for e in emergency.events]


def test_exhaustion_waits_for_the_last_step_to_be_answered(session, emergency, clock) -> None:
    set_policy(session, ["0s primary sms"], repeat=1, repeat_delay_seconds=120, now=clock())
    escalation = start_escalation(session, emergency, now=clock())
    clock.advance(timedelta(seconds=119))
    sweep_escalations(session, clock())
    assert escalation.status == "active"
    clock.advance(timedelta(seconds=1))
    sweep_escalations(session, clock())
    assert escalation.status == "exhausted"


def test_acknowledge_stops_paging_and_cancels_unsent_pages(
    session, emergency, clock, directory
) -> None:
    start_escalation(session, emergency, now=clock())
    assert acknowledge(session, emergency, directory["dana"], now=clock(), via="SMS reply")
    assert (
        session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "page")).one().status
        == "cancelled"
    )
    clock.advance(timedelta(hours=1))
    assert sweep_escalations(session, clock()) == 0
    escalation = escalation_of(session, emergency.id)
    assert escalation.status == "acknowledged"
    notice = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "notice")).one()
    assert notice.to_number == "+13365550123"  # Jane, the bakery's representative
    assert "Dana Whitfield is working on your emergency" in notice.body
    assert not acknowledge(session, emergency, directory["luis"], now=clock(), via="SMS reply")


def test_resolve_ends_everything(session, emergency, clock, directory) -> None:
    start_escalation(session, emergency, now=clock())
    assert resolve(session, emergency, directory["dana"], now=clock(), via="voice page")
    assert emergency.status == "resolved" and emergency.resolved_at == clock()
    assert escalation_of(session, emergency.id).status in ("acknowledged", "resolved")
    assert not resolve(session, emergency, directory["dana"], now=clock(), via="voice page")


def test_escalate_from_the_paged_technician_goes_to_the_next_person(
    session, emergency, clock, directory
) -> None:
    start = clock()
    escalation = start_escalation(session, emergency, now=start)
    assert escalate(session, emergency, directory["dana"], now=clock(), via="SMS reply")
    # Step 2 would only ring Dana, who just said she cannot take it: it is skipped.
    assert _outbox(session) == [(DANA, "sms", 0), (LUIS, "sms", 2), (LUIS, "call", 2)]
    assert escalation.escalate_at == start + timedelta(minutes=15)
    assert any("Step 2 skipped" in e.message for e in emergency.events)

    assert escalate(session, emergency, directory["luis"], now=clock(), via="SMS reply")
    assert _outbox(session)[-2:] == [(PRIYA, "sms", 3), (PRIYA, "call", 3)]


def test_escalate_past_the_last_step_alerts_staff(session, emergency, clock, directory) -> None:
    set_policy(session, ["0s primary sms", "5m primary call"], repeat=1, now=clock())
    escalation = start_escalation(session, emergency, now=clock())
    assert escalate(session, emergency, directory["dana"], now=clock(), via="SMS reply")
    assert _outbox(session) == [(DANA, "sms", 0)]
    assert escalation.status == "exhausted"


def test_not_an_emergency_stops_paging_and_moves_to_help_desk(
    session, emergency, clock, directory
) -> None:
    start_escalation(session, emergency, now=clock())
    assert not_an_emergency(
        session, emergency, directory["dana"], now=clock(), via="SMS reply", reason="printer jam"
    )
    assert emergency.service_class == "help_desk"
    # The technician's words stay on the staff timeline; the client reads the ticket's reason.
    assert emergency.classification_reason == "reclassified by Dana Whitfield: not an emergency"
    assert any("printer jam" in e.message for e in emergency.events if e.kind == "reclassified")
    assert escalation_of(session, emergency.id).status == "cancelled"
    clock.advance(timedelta(hours=1))
    assert sweep_escalations(session, clock()) == 0


def test_opted_out_technician_is_called_instead_of_texted(
    session, emergency, clock, directory
) -> None:
    directory["dana"].sms_opted_out = True
    start_escalation(session, emergency, now=clock())
    assert _outbox(session) == [(DANA, "call", 0)]
    assert "opted out of texts" in " ".join(e.message for e in emergency.events)


def test_missing_secondary_is_noted_and_the_timer_goes_on(session, directory, clock) -> None:
    ticket = Ticket(service_class="emergency")
    session.add(ticket)
    session.flush()
    escalation = start_escalation(session, ticket, now=clock())
    clock.advance(timedelta(minutes=10))
    sweep_escalations(session, clock())
    assert "no secondary to notify" in " ".join(e.message for e in ticket.events)
    assert escalation.next_step == 3


def test_a_writer_holding_a_stale_fence_cannot_fire_a_step(engine, wipe_database, clock) -> None:
    """The fencing version: whoever read the escalation before a step fired loses at flush."""
    from sqlalchemy.orm import sessionmaker

    from ticketing.directory import add_technician

    factory = sessionmaker(bind=engine, expire_on_commit=False)
    with factory.begin() as setup:
        add_technician(setup, "Dana Whitfield", "+13365550101")
        set_on_call(setup, "Dana Whitfield", now=clock())
        ticket = Ticket(service_class="emergency")
        setup.add(ticket)
        setup.flush()
        escalation_id = start_escalation(setup, ticket, now=clock()).id
    with factory.begin() as slow:
        stale = slow.get(Escalation, escalation_id)  # read, then this worker stalls
        slow.expunge(stale)
    clock.advance(timedelta(minutes=5))
    with factory.begin() as fast:
        assert sweep_escalations(fast, clock()) == 1
    with factory() as slow:
        stale = slow.merge(stale, load=False)
        stale.next_step, stale.escalate_at = 2, clock()
        with pytest.raises(StaleDataError):
            slow.flush()
        slow.rollback()
    with factory() as check:
        escalation = check.get(Escalation, escalation_id)
        assert escalation.next_step == 2 and escalation.fence == 3
        pages = check.scalars(select(OutboxMessage).where(OutboxMessage.kind == "page")).all()
        assert sorted((p.escalation_step, p.channel) for p in pages) == [(0, "sms"), (1, "call")]
