"""The trail written by the session itself: while an actor is set on a session (`act_as`),
every flush notes what changed in the audited tables, and the commit writes one entry per
object and act. A session without an actor (webhooks, the scheduler) pays one dict look-up
per flush and commit, nothing more.

Changes are noted at flush time (when new rows have ids and foreign keys are set) and
written at commit, so that an act of several flushes (a policy's steps removed, then added)
is one entry, and a refused change, rolled back, leaves no entry behind.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import InstanceState, Session, SessionTransaction

from ticketing.audit.changes import Fields, changed, part_label, table_of, values_of, whole
from ticketing.audit.models import AuditAction
from ticketing.audit.subjects import PARTS, SUBJECTS
from ticketing.audit.trail import Actor, Subject, record

ACTING = "audit.acting"
NOTED = "audit.noted"
_acts = itertools.count(1)


@dataclass(frozen=True)
class Acting:
    """Who is acting on a session, and the clock their changes are dated by."""

    actor: Actor
    clock: Callable[[], datetime]
    act: int = field(default_factory=lambda: next(_acts))


@dataclass
class Noted:
    """One object's change seen by one flush."""

    acting: Acting
    at: datetime
    action: AuditAction
    subject: Subject
    before: Fields
    after: Fields
    # The savepoints open when it was noted: rolling one back forgets it.
    savepoints: tuple[SessionTransaction, ...]


def act_as(session: Session, actor: Actor, clock: Callable[[], datetime]) -> None:
    """From now on, changes flushed by `session` are `actor`'s, dated by `clock`."""
    if session.new or session.dirty or session.deleted:
        session.flush()  # what was changed so far is the previous actor's (or nobody's)
    session.info[ACTING] = Acting(actor, clock)


def acting(session: Session) -> Actor | None:
    """Who acts on `session` (None: nobody, so nothing is recorded)."""
    found = session.info.get(ACTING)
    return found.actor if found is not None else None


def stop_acting(session: Session) -> None:
    """Changes after this are nobody's (what was noted is still written at commit)."""
    if session.info.get(ACTING) is not None and (session.new or session.dirty or session.deleted):
        session.flush()
    session.info.pop(ACTING, None)


def _savepoints(session: Session) -> tuple[SessionTransaction, ...]:
    found = []
    current = session.get_nested_transaction()
    while current is not None and current.nested:
        found.append(current)
        current = current.parent
    return tuple(found)


def _subject_of(state: InstanceState[Any]) -> Subject | None:
    spec = SUBJECTS[table_of(state.mapper)]
    # New rows have their ids by now, though not yet their identity in the session.
    key = state.mapper.primary_key_from_instance(state.obj())
    if len(key) != 1 or key[0] is None:
        return None
    return Subject(spec.kind, int(key[0]), spec.label(values_of(state)))


def _owner_of(session: Session, state: InstanceState[Any]) -> Subject | None:
    """The audited row a part belongs to, labelled from the session if it is loaded."""
    part = PARTS[table_of(state.mapper)]
    owner_id = state.dict.get(part.owner_key)
    if owner_id is None:
        history = state.attrs[part.owner_key].history
        owner_id = history.deleted[0] if history.deleted else None
    if owner_id is None:
        return None
    spec = SUBJECTS[part.owner]
    mapper = next((m for m in state.mapper.registry.mappers if table_of(m) == part.owner), None)
    owner = None
    if mapper is not None:
        owner = session.identity_map.get(mapper.identity_key_from_primary_key((owner_id,)))
    label = spec.label(values_of(inspect(owner))) if owner is not None else f"#{owner_id}"
    return Subject(spec.kind, int(owner_id), label)


def _note_part(
    session: Session, state: InstanceState[Any], action: AuditAction
) -> tuple[Subject, Fields, Fields] | None:
    owner = _owner_of(session, state)
    if owner is None:
        return None
    name = PARTS[table_of(state.mapper)].field
    before = [] if action == AuditAction.CREATED else [part_label(state, previous=True)]
    after = [] if action == AuditAction.DELETED else [part_label(state)]
    if before == after:
        return None
    return owner, {name: before}, {name: after}


def _note_subject(
    state: InstanceState[Any], action: AuditAction
) -> tuple[Subject, Fields, Fields] | None:
    subject = _subject_of(state)
    if subject is None:
        return None
    spec = SUBJECTS[table_of(state.mapper)]
    if action == AuditAction.CREATED:
        return subject, {}, whole(state, spec)
    if action == AuditAction.DELETED:
        return subject, whole(state, spec), {}
    before, after = changed(state, spec)
    return (subject, before, after) if before or after else None


def _noted(session: Session, obj: Any, action: AuditAction) -> tuple[AuditAction, Any] | None:
    state = inspect(obj)
    table = table_of(state.mapper)
    if table in SUBJECTS:
        return action, _note_subject(state, action)
    if table in PARTS:
        # A part's change is an update of its owner.
        return AuditAction.UPDATED, _note_part(session, state, action)
    return None


def _orphans(session: Session) -> list[Any]:
    """Parts taken out of their owner's collection (a policy's steps cleared): deleted by
    the flush's cascade, they are in no list of the session's."""
    found = []
    for obj in session.dirty:
        state = inspect(obj)
        if table_of(state.mapper) not in SUBJECTS:
            continue
        for rel in state.mapper.relationships:
            if rel.direction.name != "ONETOMANY" or table_of(rel.mapper) not in PARTS:
                continue
            removed = state.attrs[rel.key].history.deleted
            found.extend(o for o in removed if o not in session.deleted and o not in session.new)
    return found


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    current: Acting | None = session.info.get(ACTING)
    if current is None:
        return
    at, savepoints = current.clock(), _savepoints(session)
    noted: list[Noted] = session.info.setdefault(NOTED, [])
    seen = [
        *((obj, AuditAction.CREATED) for obj in session.new),
        *((obj, AuditAction.UPDATED) for obj in session.dirty),
        *((obj, AuditAction.DELETED) for obj in session.deleted),
    ]
    seen.extend((obj, AuditAction.DELETED) for obj in _orphans(session))
    for obj, action in seen:
        found = _noted(session, obj, action)
        if found is None or found[1] is None:
            continue
        kind, (subject, before, after) = found
        noted.append(Noted(current, at, kind, subject, before, after, savepoints))


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    if session.info.get(ACTING) is None and not session.info.get(NOTED):
        return
    if session.info.get(ACTING) is not None:
        session.flush()
    for entry in merged(session.info.pop(NOTED, [])):
        record(
            session,
            entry.acting.actor,
            entry.action,
            entry.subject,
            entry.before,
            entry.after,
            entry.at,
        )


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous: SessionTransaction) -> None:
    noted: list[Noted] | None = session.info.get(NOTED)
    if not noted:
        return
    if not previous.nested:
        session.info.pop(NOTED, None)
        return
    session.info[NOTED] = [n for n in noted if previous not in n.savepoints]


def merged(noted: list[Noted]) -> list[Noted]:
    """One entry per object and act: the first value before, the last after, parts listed."""
    by_key: dict[tuple[int, str, int], Noted] = {}
    for one in noted:
        key = (one.acting.act, one.subject.kind, one.subject.id)
        first = by_key.get(key)
        if first is None:
            by_key[key] = Noted(
                one.acting, one.at, one.action, one.subject, dict(one.before), dict(one.after), ()
            )
            continue
        _merge_into(first, one)
    return [n for n in by_key.values() if n.before or n.after or n.action != AuditAction.UPDATED]


def _merge_into(first: Noted, later: Noted) -> None:
    if later.action == AuditAction.DELETED:
        if first.action == AuditAction.CREATED:
            # Made and removed in one act: nothing to show (dropped by `merged`).
            first.action, first.before, first.after = AuditAction.UPDATED, {}, {}
            return
        first.action, first.before, first.after = later.action, {**later.before, **first.before}, {}
        return
    if later.action == AuditAction.CREATED:
        first.action = AuditAction.CREATED
    first.subject = later.subject  # the newest label
    for key, value in later.before.items():
        if isinstance(value, list):
            _remove_parts(first, key, value)
        else:
            first.before.setdefault(key, value)
    for key, value in later.after.items():
        if isinstance(value, list):
            first.after[key] = [*first.after.get(key, []), *value]
        else:
            first.after[key] = value
    if first.action == AuditAction.CREATED:
        first.before = {}


def _remove_parts(first: Noted, key: str, removed: list[Any]) -> None:
    """Parts removed later in the act: one added earlier in it was never there."""
    added = first.after.get(key, [])
    for item in removed:
        if item in added:
            added.remove(item)
        else:
            first.before.setdefault(key, []).append(item)
