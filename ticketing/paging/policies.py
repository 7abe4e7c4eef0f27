"""Escalation policies: the default one, reading them, and writing them from a short spec."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from ticketing.directory import technician_by_name
from ticketing.errors import DomainError
from ticketing.paging.models import (
    EscalationPolicy,
    EscalationStep,
    EscalationTarget,
    StepChannels,
)

DEFAULT_POLICY = "default"
# Targets a step names by role; any other name is a technician's.
TARGETS = (EscalationTarget.PRIMARY, EscalationTarget.SECONDARY, EscalationTarget.MANAGER)
CHANNELS = tuple(StepChannels)
# The default of docs/design.md: SMS to primary at once, call primary at 5 min, SMS + call to
# secondary at 10, the manager at 15.
DEFAULT_STEPS = (
    "0s primary sms",
    "5m primary call",
    "10m secondary sms+call",
    "15m manager sms+call",
)
DEFAULT_REPEAT = 2
MAX_DELAY_SECONDS = 24 * 3600
# Steps of one round: far more than any real policy, far fewer than a pasted log file.
MAX_STEPS = 20
_DURATION = re.compile(r"^\s*(\d{1,6})\s*(s|sec|secs|m|min|mins|h|hr|hrs)?\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "sec": 1, "secs": 1, "m": 60, "min": 60, "mins": 60}
_UNIT_SECONDS |= {"h": 3600, "hr": 3600, "hrs": 3600}


def parse_duration(text: str) -> int:
    """Seconds in "90s", "5m", "1h" or a bare number of seconds; DomainError otherwise."""
    match = _DURATION.match(text)
    if not match:
        raise DomainError(f"{text!r} is not a duration; use e.g. 90s, 5m or 1h")
    seconds = int(match[1]) * _UNIT_SECONDS[(match[2] or "s").lower()]
    if seconds > MAX_DELAY_SECONDS:
        raise DomainError(f"{text!r} is longer than a day; an emergency cannot wait that long")
    return seconds


def format_duration(seconds: int) -> str:
    """A delay as people write it: 0s, 90s, 5m, 1h."""
    if seconds and seconds % 3600 == 0:
        return f"{seconds // 3600}h"
    if seconds and seconds % 60 == 0:
        return f"{seconds // 60}m"
    return f"{seconds}s"


@dataclass(frozen=True)
class StepSpec:
    """One parsed step: after `delay_seconds`, notify `target` (or `technician`) by `channels`."""

    delay_seconds: int
    target: EscalationTarget
    channels: StepChannels
    technician: str | None = None


def parse_step(text: str) -> StepSpec:
    """Parse "5m primary call", "10m secondary sms+call" or "15m Priya Nair sms+call"."""
    words = text.split()
    if len(words) < 3:
        raise DomainError(f"step {text!r} should read: DELAY WHO CHANNEL, e.g. '5m primary call'")
    delay, written = parse_duration(words[0]), words[-1].lower()
    if written in ("both", "call+sms"):
        written = StepChannels.SMS_AND_CALL
    if written not in CHANNELS:
        raise DomainError(f"channel {words[-1]!r} in {text!r}: use sms, call or sms+call")
    channels = StepChannels(written)
    who = " ".join(words[1:-1])
    if who.lower() in TARGETS:
        return StepSpec(delay, EscalationTarget(who.lower()), channels)
    return StepSpec(delay, EscalationTarget.TECHNICIAN, channels, technician=who)


def default_policy(session: Session) -> EscalationPolicy:
    """The policy emergencies use, created with the defaults of docs/design.md the first time."""
    # With its steps (and their technicians) in the same statement: paging reads them all.
    steps = joinedload(EscalationPolicy.steps).joinedload(EscalationStep.technician)
    stmt = select(EscalationPolicy).where(EscalationPolicy.name == DEFAULT_POLICY)
    policy = session.scalars(stmt.options(steps)).unique().one_or_none()
    if policy is None:
        policy = EscalationPolicy(name=DEFAULT_POLICY, repeat=DEFAULT_REPEAT)
        session.add(policy)
        _replace_steps(session, policy, [parse_step(s) for s in DEFAULT_STEPS])
    return policy


def _replace_steps(session: Session, policy: EscalationPolicy, specs: list[StepSpec]) -> None:
    policy.steps.clear()
    session.flush()
    for position, spec in enumerate(specs):
        technician_id = None
        if spec.technician is not None:
            tech = technician_by_name(session, spec.technician)
            if tech is None:
                raise DomainError(f"no technician named {spec.technician!r}")
            technician_id = tech.id
        policy.steps.append(
            EscalationStep(
                position=position,
                delay_seconds=spec.delay_seconds,
                target=spec.target,
                technician_id=technician_id,
                channels=spec.channels,
            )
        )
    session.flush()


def set_policy(
    session: Session,
    steps: list[str],
    *,
    repeat: int,
    repeat_delay_seconds: int | None = None,
    now: datetime,
) -> EscalationPolicy:
    """Replace the default policy's steps (all validated first: nothing half-saved)."""
    if len(steps) > MAX_STEPS:
        raise DomainError(f"a policy has at most {MAX_STEPS} steps, not {len(steps)}")
    specs = [parse_step(step) for step in steps]
    if not specs:
        raise DomainError("a policy needs at least one step")
    delays = [spec.delay_seconds for spec in specs]
    if delays != sorted(delays):
        raise DomainError("steps must be listed in order of their delay")
    if not 1 <= repeat <= 10:
        raise DomainError("repeat must be between 1 and 10 rounds")
    policy = default_policy(session)
    _replace_steps(session, policy, specs)
    policy.repeat = repeat
    if repeat_delay_seconds is not None:
        policy.repeat_delay_seconds = repeat_delay_seconds
    policy.updated_at = now
    session.flush()
    return policy


def describe_step(step: EscalationStep) -> str:
    """A step as the CLI shows it (and as `parse_step` reads it back)."""
    who = step.technician.name if step.technician is not None else step.target
    return f"{format_duration(step.delay_seconds)} {who} {step.channels}"
