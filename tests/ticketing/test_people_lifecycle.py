"""People come and go in the domain: who an inactive technician, contact or client stops
being (paged, recognised, texted), the shifts a leaving technician uncovers, and the MSA
flag kept in step with its agreement."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from tests.support.moments import local
from tests.support.oncall import add_rotation, add_team
from tests.support.people import JANE, MARIA
from ticketing.billing.models import Agreement
from ticketing.billing.msa import active_msa, set_msa
from ticketing.directory import contact_by_phone, representative_of
from ticketing.errors import DomainError
from ticketing.oncall.handoffs import handoff_notices
from ticketing.oncall.roster import add_override, on_call
from ticketing.people.edits import contact_named, edit_technician
from ticketing.people.lifecycle import deactivate, reactivate


def test_an_inactive_contact_is_not_recognised_nor_told(session, directory, clock) -> None:
    jane = directory["jane"]
    deactivate(session, jane, now=clock())
    assert contact_by_phone(session, JANE) is None
    assert representative_of(session, directory["bakery"].id) is None
    reactivate(session, jane)
    assert contact_by_phone(session, JANE) is jane


def test_the_contacts_of_an_inactive_client_call_as_unknown(session, directory, clock) -> None:
    deactivate(session, directory["diner"], now=clock())
    assert contact_by_phone(session, MARIA) is None
    assert directory["diner"].deactivated_at == clock()


def test_leaving_twice_or_coming_back_twice_is_refused(session, directory, clock) -> None:
    deactivate(session, directory["luis"], now=clock())
    with pytest.raises(DomainError, match="already inactive"):
        deactivate(session, directory["luis"], now=clock())
    reactivate(session, directory["luis"])
    with pytest.raises(DomainError, match="already active"):
        reactivate(session, directory["luis"])


def test_a_bad_number_or_a_taken_name_is_refused(session, directory) -> None:
    with pytest.raises(DomainError, match="not a valid phone number"):
        edit_technician(session, directory["dana"], phone="555")
    with pytest.raises(DomainError, match="already exists"):
        edit_technician(session, directory["dana"], name="luis romero")
    assert contact_named(session, "jane doe") is directory["jane"]


def test_a_rotation_turn_left_is_a_gap_where_no_one_else_covers(session) -> None:
    team = add_team(session)
    add_rotation(session, "Primary", "Dana Whitfield,Luis Romero", starts="2026-12-07")
    now = local("2026-12-06 12:00")
    add_override(
        session,
        "Dana Whitfield",
        start=local("2026-12-24 18:00"),
        end=local("2026-12-25 08:00"),
        role="primary",
        now=now,
    )
    # Priya covers part of Dana's first turn: only the rest of it is uncovered.
    add_override(
        session,
        "Priya Nair",
        start=local("2026-12-07 08:00"),
        end=local("2026-12-10 08:00"),
        role="primary",
        now=now,
    )
    gaps = deactivate(session, team["dana"], now=now).gaps

    spans = [(g.label, g.start, g.end) for g in gaps]
    assert spans[0] == ('rotation "Primary"', local("2026-12-10 08:00"), local("2026-12-14 08:00"))
    assert ('rotation "Primary"', local("2026-12-21 08:00"), local("2026-12-24 18:00")) in spans
    assert any(label.startswith("override #") for label, *_ in spans)
    assert on_call(session, local("2026-12-12 12:00")) is None
    assert on_call(session, local("2026-12-15 12:00")) is team["luis"]


def test_an_inactive_technician_gets_no_handoff_text(session) -> None:
    team = add_team(session)
    add_rotation(session, "Primary", "Dana Whitfield,Luis Romero", starts="2026-12-07")
    deactivate(session, team["dana"], now=local("2026-12-06 12:00"))
    assert handoff_notices(session, local("2026-12-07 07:30")) == 0
    reactivate(session, team["dana"])
    assert handoff_notices(session, local("2026-12-07 07:30")) == 1


def test_the_msa_flag_and_its_agreement_move_together(session, directory) -> None:
    diner = directory["diner"]
    today = date(2026, 12, 5)
    msa = set_msa(session, diner, True, today=today)
    assert diner.has_msa and msa is not None and msa.starts_on == today
    assert set_msa(session, diner, True, today=today) is msa  # one is on file already
    assert set_msa(session, diner, False, today=today) is None
    assert not diner.has_msa and msa.ends_on == today
    assert active_msa(session, diner, date(2026, 12, 6)) is None
    assert len(session.scalars(select(Agreement)).all()) == 1
