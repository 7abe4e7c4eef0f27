"""The trail written by the session: what an actor changes is recorded (changed fields only,
secrets masked, kept after the object goes); what nobody acts for is not."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from intake.clock import FrozenClock
from tests.support.audit import STAFF_ACTOR, trail
from tests.support.moments import local
from tests.support.users import make_user
from ticketing.accounts.models import User
from ticketing.audit.capture import act_as, acting, stop_acting
from ticketing.audit.models import AuditAction, AuditSource
from ticketing.audit.reading import history_of
from ticketing.audit.subjects import MASK
from ticketing.audit.trail import Actor
from ticketing.calendar.days import add_closure, remove_edit
from ticketing.directory import add_client, add_technician
from ticketing.models import ServiceClass, Ticket
from ticketing.paging.policies import default_policy, set_policy
from ticketing.timeline import add_event


def test_a_created_object_is_recorded_with_who_when_and_its_fields(
    audited: Session, clock: FrozenClock
) -> None:
    client = add_client(audited, "Blue Ridge Bakery", "1001", has_msa=True)
    audited.commit()

    [entry] = trail(audited)
    assert (entry.actor, entry.source, entry.at) == (STAFF_ACTOR.name, AuditSource.CONSOLE, clock())
    assert (entry.action, entry.subject_type, entry.subject_id) == ("created", "client", client.id)
    assert entry.subject_label == "Blue Ridge Bakery (account 1001)"
    assert entry.before is None
    assert entry.after is not None
    assert entry.after["name"] == "Blue Ridge Bakery" and entry.after["has_msa"] is True


def test_an_update_records_the_changed_fields_only_before_and_after(
    audited: Session, clock: FrozenClock
) -> None:
    tech = add_technician(audited, "Dana Whitfield", "+13365550101")
    audited.commit()
    clock.advance(timedelta(minutes=5))
    tech.phone, tech.is_manager = "+13365550199", True
    audited.commit()

    entry = trail(audited)[-1]
    assert entry.action == AuditAction.UPDATED
    assert entry.before == {"phone": "+13365550101", "is_manager": False}
    assert entry.after == {"phone": "+13365550199", "is_manager": True}
    assert entry.at == clock()


def test_a_related_row_is_shown_by_its_label(audited: Session) -> None:
    dana = add_technician(audited, "Dana Whitfield", "+13365550101")
    luis = add_technician(audited, "Luis Romero", "+13365550102")
    ticket = Ticket(service_class=ServiceClass.HELP_DESK, assigned_to=dana)
    audited.add(ticket)
    audited.commit()
    ticket.assigned_to = luis
    audited.commit()

    created, updated = trail(audited, "ticket")
    assert created.after is not None and created.after["assigned_to"] == "Dana Whitfield"
    assert (updated.before, updated.after) == (
        {"assigned_to": "Dana Whitfield"},
        {"assigned_to": "Luis Romero"},
    )


def test_secrets_are_masked(audited: Session) -> None:
    add_technician(audited, "Dana Whitfield", "+13365550101")
    user = User(email="sam@x.example", name="Sam", role="staff", password_hash="scrypt$abc")
    audited.add(user)
    audited.commit()
    user.password_hash, user.totp_secret = "scrypt$new-hash", "JBSWY3DPEHPK3PXP"
    audited.commit()

    [tech] = trail(audited, "technician")
    assert tech.after is not None and tech.after["calendar_token"] == MASK
    created, updated = trail(audited, "user")
    assert created.after is not None and created.after["password_hash"] == MASK
    assert updated.before == {"password_hash": MASK, "totp_secret": None}
    assert updated.after == {"password_hash": MASK, "totp_secret": MASK}
    written = [(e.before, e.after) for e in trail(audited)]
    assert "scrypt" not in repr(written) and "JBSWY3" not in repr(written)


def test_a_login_is_not_a_change(audited: Session, clock: FrozenClock) -> None:
    stop_acting(audited)
    user = make_user(audited, "sam@x.example", role="staff")
    act_as(audited, STAFF_ACTOR, clock)
    user.last_login_at = clock()
    audited.commit()

    assert trail(audited) == []


def test_entries_are_kept_after_the_object_is_deleted(audited: Session) -> None:
    row = add_closure(audited, date(2026, 12, 31), "Inventory day")
    audited.commit()
    row_id = row.id
    remove_edit(audited, date(2026, 12, 31))
    audited.commit()

    added, removed = trail(audited, "calendar day")
    assert added.action == "created" and removed.action == "deleted"
    assert removed.before is not None and removed.before["name"] == "Inventory day"
    assert removed.subject_label == "2026-12-31: Inventory day"
    assert [e.id for e in history_of(audited, "calendar day", row_id)] == [removed.id, added.id]


def test_an_act_of_several_flushes_is_one_entry_with_its_parts(audited: Session) -> None:
    stop_acting(audited)
    default_policy(audited)
    audited.commit()
    act_as(audited, STAFF_ACTOR, FrozenClock(trail_moment()))
    set_policy(audited, ["0m primary sms", "10m manager call"], repeat=1, now=trail_moment())
    audited.commit()

    [entry] = trail(audited, "escalation policy")
    assert entry.action == "updated"
    assert entry.before is not None and entry.after is not None
    assert entry.before["repeat"] == 2 and entry.after["repeat"] == 1
    assert entry.before["steps"][0] == "after 0 s: primary by sms"
    assert len(entry.before["steps"]) == 4
    assert entry.after["steps"] == ["after 0 s: primary by sms", "after 600 s: manager by call"]


def test_a_timeline_line_is_a_change_of_its_ticket(audited: Session, clock: FrozenClock) -> None:
    stop_acting(audited)
    ticket = Ticket(service_class=ServiceClass.HELP_DESK)
    audited.add(ticket)
    audited.commit()
    act_as(audited, STAFF_ACTOR, clock)
    add_event(audited, ticket.id, "note", "Called the client back.", at=clock(), actor="Sam")
    audited.commit()

    [entry] = trail(audited, "ticket")
    assert (entry.subject_id, entry.subject_label) == (ticket.id, f"#{ticket.id}")
    assert entry.after == {"timeline": ["note: Called the client back."]}


def test_nothing_is_recorded_without_an_actor(session: Session) -> None:
    assert acting(session) is None
    add_client(session, "Blue Ridge Bakery", "1001")
    session.commit()

    assert trail(session) == []


def test_a_rolled_back_change_leaves_no_entry(audited: Session) -> None:
    add_client(audited, "Blue Ridge Bakery", "1001")
    audited.flush()
    audited.rollback()
    add_client(audited, "Piedmont Hardware", "1002")
    audited.commit()

    assert [e.subject_label for e in trail(audited)] == ["Piedmont Hardware (account 1002)"]


def test_made_and_removed_in_one_act_is_nothing(audited: Session) -> None:
    add_closure(audited, date(2026, 12, 31), "Inventory day")
    audited.flush()
    remove_edit(audited, date(2026, 12, 31))
    audited.commit()

    assert trail(audited) == []


def test_each_actor_gets_their_own_entries(audited: Session, clock: FrozenClock) -> None:
    add_client(audited, "Blue Ridge Bakery", "1001")
    later = FrozenClock(clock() + timedelta(hours=1))
    act_as(audited, Actor("cli:root", AuditSource.CLI), later)
    add_client(audited, "Piedmont Hardware", "1002")
    audited.commit()

    first, second = trail(audited)
    assert (first.actor, first.at) == (STAFF_ACTOR.name, clock())
    assert (second.actor, second.source, second.at) == ("cli:root", "cli", later())


def trail_moment() -> datetime:
    """A Monday morning, when staff change the policy."""
    return local("2026-12-07 10:00")
