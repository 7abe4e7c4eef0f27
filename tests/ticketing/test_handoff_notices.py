"""The hand-off notice: the incoming technician gets one text about 60 minutes before
their shift, once, never for a shift they simply continue, and never late."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from intake.config import Settings
from intake.runtime import sweeps_for
from tests.support.moments import NY, local
from tests.support.oncall import add_rotation
from ticketing.models import OutboxMessage
from ticketing.oncall.handoffs import handoff_notices
from ticketing.oncall.roster import add_override, set_on_call

MINUTE = timedelta(minutes=1)
ACK = "Pages come from this number; reply ACK <ticket> to acknowledge."


def notices(session) -> list[OutboxMessage]:
    """Every hand-off notice owed so far."""
    stmt = select(OutboxMessage).where(OutboxMessage.kind == "notice").order_by(OutboxMessage.id)
    return list(session.scalars(stmt))


def sweep(session, *moments: datetime) -> list[int]:
    """Run the sweep at each moment with no settings (docs/design.md's defaults: Accelerando,
    New York); how many each run enqueued."""
    return [handoff_notices(session, at) for at in moments]


def scheduled_sweep(settings: Settings):
    """The hand-off sweep as the scheduler gets it: fn(session, now), settings bound."""
    [fn] = [fn for name, fn, _ in sweeps_for(settings) if name == "handoff-notices"]
    return fn


def test_the_sweep_runs_every_minute_with_the_settings_bound(settings: Settings) -> None:
    [(fn, seconds)] = [(fn, s) for name, fn, s in sweeps_for(settings) if name == "handoff-notices"]
    assert seconds == 60
    assert fn.func is handoff_notices
    assert fn.keywords == {"timezone": "America/New_York", "firm_name": "Accelerando"}


def test_the_incoming_technician_is_told_an_hour_before(session, team) -> None:
    add_rotation(session, "Weekly", "Dana Whitfield,Luis Romero")
    handoff = local("2026-12-14 08:00")
    assert sweep(session, handoff - 61 * MINUTE) == [0]
    assert sweep(session, handoff - 60 * MINUTE) == [1]
    [notice] = notices(session)
    assert notice.body == (
        "Accelerando: you are on call (primary) from Mon 12/14 8:00 AM "
        f"until Mon 12/21 8:00 AM. {ACK}"
    )
    assert (notice.technician_id, notice.to_number) == (team["luis"].id, team["luis"].phone)
    assert (notice.channel, notice.ticket_id, notice.status) == ("sms", None, "pending")
    assert notice.next_attempt_at == handoff - 60 * MINUTE
    assert notice.dedupe_key == f"handoff:primary:2026-12-14T13:00:00+00:00:{team['luis'].id}"


def test_each_notice_is_enqueued_exactly_once(session, team) -> None:
    add_rotation(session, "Weekly", "Dana Whitfield,Luis Romero")
    handoff = local("2026-12-14 08:00")
    runs = [handoff - 60 * MINUTE + n * MINUTE for n in range(0, 71)]  # every minute
    assert sum(sweep(session, *runs)) == 1
    assert len(notices(session)) == 1


def test_the_first_shift_is_announced_too(session, team) -> None:
    add_rotation(session, "Weekly", "Dana Whitfield,Luis Romero")
    assert sweep(session, local("2026-12-07 07:00")) == [1]
    assert notices(session)[0].technician_id == team["dana"].id


def test_no_notice_for_a_technician_who_continues(session, team) -> None:
    add_rotation(session, "Solo", "Dana Whitfield")
    assert sweep(session, local("2026-12-07 07:00"), local("2026-12-14 07:00")) == [1, 0]
    add_rotation(session, "Pairs", "Luis Romero,Luis Romero,Priya Nair", starts="2026-12-21")
    assert sweep(session, local("2026-12-21 07:00"), local("2026-12-28 07:00")) == [1, 0]
    assert sweep(session, local("2027-01-04 07:00")) == [1]
    assert [n.technician_id for n in notices(session)] == [
        team["dana"].id,
        team["luis"].id,
        team["priya"].id,
    ]


@pytest.mark.parametrize(("late", "sent"), [(9, 1), (10, 1), (11, 0), (180, 0)])
def test_a_notice_is_not_sent_late(session, team, late: int, sent: int) -> None:
    add_rotation(session, "Weekly", "Dana Whitfield,Luis Romero")
    # The scheduler was down until `late` minutes after the hand-off.
    assert sweep(session, local("2026-12-14 08:00") + late * MINUTE) == [sent]


def test_an_override_is_announced_and_so_is_the_return(session, team) -> None:
    add_rotation(session, "Weekly", "Dana Whitfield,Luis Romero")
    start, end = local("2026-12-24 17:00"), local("2026-12-26 08:00")
    add_override(session, "Priya Nair", start=start, end=end, role="primary", now=start)
    assert sweep(session, start - 60 * MINUTE, end - 60 * MINUTE) == [1, 1]
    to_priya, back_to_dana = notices(session)
    assert to_priya.technician_id == team["priya"].id
    assert "from Thu 12/24 5:00 PM until Sat 12/26 8:00 AM." in to_priya.body
    assert back_to_dana.technician_id == team["dana"].id
    assert "from Sat 12/26 8:00 AM until Mon 12/28 8:00 AM." in back_to_dana.body


def test_set_on_call_is_announced_until_changed(session, team, clock) -> None:
    set_on_call(session, "Dana Whitfield", now=clock())
    set_on_call(session, "Luis Romero", now=clock(), role="secondary")
    assert sweep(session, clock() + MINUTE) == [2]
    primary, secondary = notices(session)
    assert primary.body == (
        f"Accelerando: you are on call (primary) from Sat 12/5 11:10 PM until changed. {ACK}"
    )
    assert "(secondary)" in secondary.body and secondary.technician_id == team["luis"].id
    set_on_call(session, "Dana Whitfield", now=clock() + 5 * MINUTE)  # the same person again
    assert sweep(session, clock() + 6 * MINUTE) == [0]


def test_a_technician_who_replied_stop_gets_no_text(session, team) -> None:
    team["luis"].sms_opted_out = True
    add_rotation(session, "Weekly", "Dana Whitfield,Luis Romero")
    assert sweep(session, local("2026-12-14 07:00")) == [0]


def test_firm_name_and_zone_come_from_the_settings(session, team, settings) -> None:
    settings = replace(settings, firm_name="Blue Ridge IT", business_timezone="America/Chicago")
    add_rotation(session, "Weekly", "Dana Whitfield,Luis Romero")  # hands off 08:00 New York
    handoff = local("2026-12-14 08:00")
    run = scheduled_sweep(settings)
    assert [run(session, at) for at in (handoff - 61 * MINUTE, handoff - 60 * MINUTE)] == [0, 1]
    assert notices(session)[0].body.startswith(
        "Blue Ridge IT: you are on call (primary) from Mon 12/14 7:00 AM until Mon 12/21 7:00 AM."
    )  # the New York hand-off, told on the Chicago clock


def test_a_pacific_rotation_is_announced_before_0800_pacific(session, team, settings) -> None:
    add_rotation(
        session, "West", "Dana Whitfield,Luis Romero", timezone="America/Los_Angeles"
    )  # the firm's settings stay on New York
    handoff = local("2026-12-14 11:00")  # Mon 08:00 PST
    run = scheduled_sweep(settings)
    assert [run(session, at) for at in (handoff - 61 * MINUTE, handoff - 60 * MINUTE)] == [0, 1]
    assert notices(session)[0].body.startswith(
        "Accelerando: you are on call (primary) from Mon 12/14 11:00 AM until Mon 12/21 11:00 AM."
    )
    assert handoff_notices(session, handoff, timezone="America/Los_Angeles") == 0  # sent once
    assert sweep(session, local("2026-12-21 10:00")) == [1]  # Dana's next turn, 08:00 PST
    shown_in_pacific = handoff_notices(
        session, local("2026-12-28 10:00"), timezone="America/Los_Angeles"
    )
    assert shown_in_pacific == 1
    assert "from Mon 12/28 8:00 AM until Mon 1/4 8:00 AM." in notices(session)[-1].body


def test_the_environment_changes_nothing(session, team, monkeypatch) -> None:
    monkeypatch.setenv("FIRM_NAME", "Blue Ridge IT")
    monkeypatch.setenv("BUSINESS_TIMEZONE", "Asia/Tokyo")
    add_rotation(session, "Weekly", "Dana Whitfield,Luis Romero")
    handoff = local("2026-12-14 08:00")
    assert sweep(session, handoff - 61 * MINUTE, handoff - 60 * MINUTE) == [0, 1]
    assert notices(session)[0].body.startswith(
        "Accelerando: you are on call (primary) from Mon 12/14 8:00 AM"
    )


def test_explicit_settings_win(session, team) -> None:
    add_rotation(session, "Weekly", "Dana Whitfield,Luis Romero")
    at = local("2026-12-14 07:00")
    assert handoff_notices(session, at, timezone=NY, firm_name="Acme") == 1
    assert notices(session)[0].body.startswith("Acme: you are on call (primary)")


def test_no_notice_for_a_shift_already_over(session, team, clock) -> None:
    # `oncall set Dana`, then `oncall set Luis` seconds later: Dana's stint is over before
    # the sweep comes round, and only Luis is told.
    set_on_call(session, "Dana Whitfield", now=clock())
    set_on_call(session, "Luis Romero", now=clock() + timedelta(seconds=20))

    assert sweep(session, clock() + 100 * timedelta(seconds=1)) == [1]

    [notice] = notices(session)
    assert notice.technician_id == team["luis"].id and "until changed" in notice.body


def test_a_notice_not_yet_sent_for_a_shift_since_over_is_cancelled(session, team, clock) -> None:
    set_on_call(session, "Dana Whitfield", now=clock())
    assert sweep(session, clock()) == [1]  # owed, but still waiting to go (paced)
    set_on_call(session, "Luis Romero", now=clock() + timedelta(seconds=20))

    assert sweep(session, clock() + timedelta(seconds=30)) == [1]

    to_dana, to_luis = notices(session)
    assert (to_dana.technician_id, to_dana.status) == (team["dana"].id, "cancelled")
    assert (to_luis.technician_id, to_luis.status) == (team["luis"].id, "pending")
