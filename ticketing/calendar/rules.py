"""The firm's holiday policy as stored rules: library holidays observed or worked every
year, and recurring days of the firm's own."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ivr.calendar import parse_holiday_calendar, public_holidays
from ivr.holiday_policy import HolidayPolicy, RecurringDay, library_names, match_name
from ticketing.calendar.models import HolidayRule, HolidayRuleKind
from ticketing.errors import DomainError, NotFound

# The years whose library holidays a rule may name: wide enough for holidays that come and
# go (Juneteenth since 2021) without building decades of calendars per edit.
NAME_YEARS = range(2020, 2041)
MAX_DAYS = 30


def holiday_policy(session: Session) -> HolidayPolicy:
    """The policy the stored rules make."""
    rules = list(session.scalars(select(HolidayRule).order_by(HolidayRule.id)))
    worked = frozenset(rule.name for rule in rules if rule.kind == HolidayRuleKind.WORK)
    recurring = tuple(
        RecurringDay(rule.name, rule.month, rule.day, rule.after, rule.days or 0)
        for rule in rules
        if rule.kind == HolidayRuleKind.RECURRING
    )
    return HolidayPolicy(worked, recurring)


def list_rules(session: Session) -> list[HolidayRule]:
    """Every rule, by name."""
    return list(session.scalars(select(HolidayRule).order_by(HolidayRule.name)))


def describe(rule: HolidayRule) -> str:
    """E.g. "work: Veterans Day" or "recurring: Friday after Thanksgiving (every Dec 24)"."""
    if rule.kind != HolidayRuleKind.RECURRING:
        return f"{rule.kind}: {rule.name}"
    when = RecurringDay(rule.name, rule.month, rule.day, rule.after, rule.days or 0)
    return f"recurring: {rule.name} ({when.describe()})"


def library_holiday_names(holiday_calendar: str) -> list[str]:
    """The holidays a rule may name: the library calendar's, without "(observed)", sorted."""
    source = parse_holiday_calendar(holiday_calendar)
    if source is None:
        return []
    return library_names(public_holidays(*source, year) for year in NAME_YEARS)


def library_holiday(holiday_calendar: str, typed: str) -> str:
    """The library holiday a person means by `typed`, or a refusal listing the choices."""
    names = library_holiday_names(holiday_calendar)
    if not names:
        raise DomainError("HOLIDAY_CALENDAR is 'none': there are no library holidays to name")
    found = match_name(typed, names)
    if found is None:
        raise DomainError(
            f"{_shown(typed)!r} is not a holiday of the {holiday_calendar} calendar; "
            f"its holidays are: {', '.join(names)}"
        )
    return found


def _shown(typed: str) -> str:
    # What a person typed, as a refusal repeats it: never a page of it.
    typed = " ".join(typed.split())
    return typed if len(typed) <= 60 else typed[:60] + "…"


def _named(session: Session, name: str) -> HolidayRule | None:
    return session.scalar(select(HolidayRule).where(HolidayRule.name == name))


def _library_rule(
    session: Session, typed: str, kind: HolidayRuleKind, holiday_calendar: str
) -> HolidayRule:
    name = library_holiday(holiday_calendar, typed)
    row = _named(session, name)
    if row is not None and row.kind == HolidayRuleKind.RECURRING:
        raise DomainError(f"{name!r} is the name of a recurring day of the firm; remove it first")
    if row is not None and row.kind == kind:
        raise DomainError(f"{name} is already {'worked' if kind == 'work' else 'observed'}")
    if row is None:
        row = HolidayRule(name=name, kind=kind)
        session.add(row)
    row.kind = kind
    session.flush()
    return row


def observe_holiday(session: Session, typed: str, holiday_calendar: str) -> HolidayRule:
    """Keep a library holiday closed every year (undoes `work_holiday`)."""
    return _library_rule(session, typed, HolidayRuleKind.OBSERVE, holiday_calendar)


def work_holiday(session: Session, typed: str, holiday_calendar: str) -> HolidayRule:
    """Work a library holiday as a normal day every year (observed days included)."""
    return _library_rule(session, typed, HolidayRuleKind.WORK, holiday_calendar)


def add_recurring(
    session: Session,
    name: str,
    *,
    on: tuple[int, int] | None = None,
    after: str | None = None,
    days: int = 1,
    holiday_calendar: str,
) -> HolidayRule:
    """A closed day every year: on a (month, day), or `days` after a library holiday."""
    name = " ".join(name.split())
    if not name:
        raise DomainError("a recurring day needs a name, e.g. 'Friday after Thanksgiving'")
    if len(name) > 120:
        raise DomainError("a recurring day's name is at most 120 characters")
    if (on is None) == (after is None):
        raise DomainError(
            "give a recurring day either a date (e.g. 'Dec 24') or a holiday to follow"
        )
    if _named(session, name) is not None:
        raise DomainError(f"there is already a holiday rule named {name!r}; remove it first")
    row = HolidayRule(name=name, kind=HolidayRuleKind.RECURRING)
    if on is not None:
        row.month, row.day = on
    else:
        if not (0 < abs(days) <= MAX_DAYS):
            raise DomainError(f"days after a holiday: 1 to {MAX_DAYS}, or -1 to -{MAX_DAYS} before")
        row.after, row.days = library_holiday(holiday_calendar, after or ""), days
    session.add(row)
    session.flush()
    return row


def remove_rule(session: Session, typed: str) -> HolidayRule:
    """Drop a rule by name: the library holiday goes back to observed, a firm day is gone."""
    wanted = " ".join(typed.split()).casefold()
    row = next((r for r in list_rules(session) if r.name.casefold() == wanted), None)
    if row is None:
        raise NotFound(f"there is no holiday rule named {_shown(typed)!r}")
    session.delete(row)
    session.flush()
    return row
