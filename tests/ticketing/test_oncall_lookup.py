"""`on_call` answers an override in one query: it must agree with the merged shifts
everywhere (overlapping overrides, inactive technicians, empty and standing overrides,
rotations underneath)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import event

from tests.support.moments import local
from tests.support.oncall import add_rotation, add_team
from ticketing.oncall.models import OnCallOverride
from ticketing.oncall.roster import on_call
from ticketing.oncall.shifts import shifts

START = local("2026-12-20 00:00")
ROLES = ("primary", "secondary")


def reference(session, at: datetime, role: str) -> str | None:
    """Who the merged shifts say holds `role` at `at`."""
    for shift in shifts(session, at, at + timedelta(microseconds=1), role=role):
        if shift.start <= at < shift.end:
            return shift.technician.name
    return None


def test_on_call_agrees_with_the_merged_shifts(session) -> None:
    team = add_team(session)
    add_rotation(session, "Weekly", "Dana Whitfield,Luis Romero", starts="2026-12-14")
    add_rotation(
        session, "Backup", "Priya Nair,Dana Whitfield", starts="2026-12-14", role="secondary"
    )
    rng = random.Random(7)
    names = [tech.id for tech in team.values()]
    for _ in range(25):
        begin = START + timedelta(hours=rng.randrange(0, 24 * 6))
        length = timedelta(hours=rng.choice([0, 1, 5, 30]))  # 0: an empty override
        standing = rng.random() < 0.2
        session.add(
            OnCallOverride(
                technician_id=rng.choice(names),
                role=rng.choice(ROLES),
                starts_at=begin,
                ends_at=None if standing else begin + length,
            )
        )
    team["luis"].active = False  # his overrides no longer count; the rotation skips him
    session.flush()
    for hour in range(0, 24 * 8):
        at = START + timedelta(hours=hour, minutes=rng.choice([0, 30, 59]))
        for role in ROLES:
            tech = on_call(session, at, role)
            assert (tech.name if tech else None) == reference(session, at, role), (at, role)


def test_an_override_in_force_takes_one_query(session) -> None:
    team = add_team(session)
    add_rotation(session, "Weekly", "Dana Whitfield,Luis Romero", starts="2026-12-14")
    session.add(
        OnCallOverride(
            technician_id=team["priya"].id, role="primary", starts_at=START, ends_at=None
        )
    )
    session.flush()
    statements: list[str] = []
    engine = session.get_bind()

    def count(*_args) -> None:
        statements.append("x")

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert on_call(session, START + timedelta(days=2)).name == "Priya Nair"
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 1
