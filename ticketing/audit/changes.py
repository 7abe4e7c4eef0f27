"""What one flushed object changed, as the trail shows it: the changed fields only, each
as plain JSON (ids of related rows shown by their labels when loaded, secrets masked)."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import InstanceState, Mapper, RelationshipProperty
from sqlalchemy.orm.attributes import History

from ticketing.audit.subjects import MASK, PARTS, SUBJECTS, Audited

MAX_TEXT = 1000
Fields = dict[str, Any]


def plain(value: Any) -> Any:
    """A value as JSON can hold it: enums by value, moments in UTC ISO, money as text."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    shown = str(value)
    return shown if len(shown) <= MAX_TEXT else shown[:MAX_TEXT] + "…"


def values_of(state: InstanceState[Any]) -> dict[str, Any]:
    """What is loaded of the row (columns and related objects, also those only named by a
    foreign key but present in the session), nothing fetched."""
    found = {key: value for key, value in state.dict.items() if not key.startswith("_")}
    session = state.session
    if session is None:
        return found
    for column_key, rel in _relations(state.mapper).items():
        if rel.key in found or found.get(column_key) is None:
            continue
        key = rel.mapper.identity_key_from_primary_key((found[column_key],))
        related = session.identity_map.get(key)
        if related is not None:
            found[rel.key] = related
    return found


def label_of(obj: Any) -> str:
    """A related object as the trail names it (its subject label, else its id)."""
    from sqlalchemy import inspect

    state = inspect(obj)
    spec = SUBJECTS.get(table_of(state.mapper))
    if spec is not None:
        return spec.label(values_of(state))
    key = state.mapper.primary_key_from_instance(obj)
    return f"#{key[0] if len(key) == 1 else '?'}"


def table_of(mapper: Mapper[Any]) -> str:
    """The name of the table a mapped class is stored in."""
    return str(getattr(mapper.local_table, "name", ""))


def _relations(mapper: Mapper[Any]) -> dict[str, RelationshipProperty[Any]]:
    """Many-to-one relationships by the key of their one foreign-key column."""
    found = {}
    for rel in mapper.relationships:
        local = list(rel.local_columns)
        if rel.direction.name == "MANYTOONE" and len(local) == 1:
            column_key = mapper.get_property_by_column(local[0]).key
            found.setdefault(column_key, rel)
    return found


def _shown(spec: Audited | None, key: str, value: Any) -> Any:
    if value is not None and spec is not None and key in spec.secret:
        return MASK
    return plain(value)


def whole(state: InstanceState[Any], spec: Audited | None) -> Fields:
    """Every set field of a created or deleted row (its id is the subject's)."""
    relations = _relations(state.mapper)
    values = values_of(state)
    found: Fields = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        value = state.dict.get(key)
        if value is None or key == "id" or (spec and key in spec.ignored):
            continue
        rel = relations.get(key)
        related = values.get(rel.key) if rel is not None else None
        if rel is not None and related is not None:
            found[rel.key] = label_of(related)
        else:
            found[key] = _shown(spec, key, value)
    return found


def _side(history: History, deleted: bool) -> Any:
    values = history.deleted if deleted else history.added
    return values[0] if values else None


def changed(state: InstanceState[Any], spec: Audited | None) -> tuple[Fields, Fields]:
    """The fields an update changed: (before, after)."""
    relations = _relations(state.mapper)
    before: Fields = {}
    after: Fields = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if spec and key in spec.ignored:
            continue
        history = state.attrs[key].history
        old, new = _side(history, True), _side(history, False)
        if not history.added or old == new:
            continue
        rel = relations.get(key)
        rel_history = state.attrs[rel.key].history if rel is not None else None
        if rel is not None and rel_history is not None and rel_history.has_changes():
            old_obj, new_obj = _side(rel_history, True), _side(rel_history, False)
            before[rel.key] = label_of(old_obj) if old_obj is not None else plain(old)
            after[rel.key] = label_of(new_obj) if new_obj is not None else plain(new)
        else:
            before[key], after[key] = _shown(spec, key, old), _shown(spec, key, new)
    return before, after


def part_label(state: InstanceState[Any], *, previous: bool = False) -> str:
    """A part's label (a step, a timeline line), as it is or as it was before the update."""
    part = PARTS[table_of(state.mapper)]
    values = values_of(state)
    if previous:
        for attr in state.mapper.column_attrs:
            history = state.attrs[attr.key].history
            if history.deleted:
                values[attr.key] = history.deleted[0]
    return part.label(values)
