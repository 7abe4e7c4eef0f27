"""Which tables the trail follows and how their rows read in it: the subject's type and
label, fields never shown (secrets) or not worth an entry, and the rows that are parts of
another (a policy's steps, a ticket's timeline) and so show as a field of their owner.

Tables are named, not imported: every sub-package may use the trail, so it imports none.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

Values = Mapping[str, Any]
Label = Callable[[Values], str]
# What a secret shows as, before and after: that it changed, never what it is.
MASK = "(hidden)"


def _name_of(values: Values, relation: str, column: str) -> str:
    """The name of a loaded related row, else its id (labels never load anything)."""
    related = values.get(relation)
    name = getattr(related, "name", None)
    return str(name) if name else f"#{values.get(column)}"


def text(template: str) -> Label:
    """A label from a template over the row's values ("{name}"); unknown keys show "?"."""

    class Loose(dict[str, Any]):
        def __missing__(self, key: str) -> str:
            return "?"

    return lambda values: template.format_map(Loose(values))


@dataclass(frozen=True)
class Audited:
    """A table whose rows are subjects of the trail."""

    kind: str
    label: Label
    secret: frozenset[str] = frozenset()
    ignored: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Part:
    """A table whose rows belong to an audited row: they show as `field` of their owner."""

    owner: str
    owner_key: str
    field: str
    label: Label


def _override(values: Values) -> str:
    return f"{_name_of(values, 'technician', 'technician_id')} ({values.get('role', '?')})"


def _member(values: Values) -> str:
    return f"{values.get('position', '?')}: {_name_of(values, 'technician', 'technician_id')}"


def _step(values: Values) -> str:
    who = values.get("target", "?")
    if values.get("technician_id") is not None:
        who = _name_of(values, "technician", "technician_id")
    return f"after {values.get('delay_seconds', '?')} s: {who} by {values.get('channels', '?')}"


def _event(values: Values) -> str:
    message = str(values.get("message", ""))
    return f"{values.get('kind', '?')}: {message[:200]}"


SUBJECTS: dict[str, Audited] = {
    "tickets": Audited("ticket", text("#{id}")),
    "clients": Audited("client", text("{name} (account {account_number})")),
    "contacts": Audited("contact", text("{name}")),
    "technicians": Audited(
        "technician",
        text("{name}"),
        secret=frozenset({"calendar_token"}),
        # The moment goes with the availability, which is the change worth an entry.
        ignored=frozenset({"availability_since"}),
    ),
    "users": Audited(
        "user",
        text("{name} <{email}>"),
        secret=frozenset({"password_hash", "totp_secret"}),
        # A login (and the second factor's last code) is not a change made to the account.
        ignored=frozenset({"last_login_at", "totp_last_step"}),
    ),
    "access_requests": Audited("access request", text("{name} <{email}>")),
    "calendar_days": Audited("calendar day", text("{day}: {name}")),
    "holiday_rules": Audited("holiday rule", text("{kind}: {name}")),
    "rotations": Audited("rotation", text("{name}")),
    "oncall_overrides": Audited("on-call override", _override),
    "escalation_policies": Audited("escalation policy", text("{name}")),
    "agreements": Audited("agreement", text("{name}")),
    "retainer_ledger": Audited("pre-paid hours", text("{kind} {hours} h")),
    "invoices": Audited("invoice", text("{number}")),
    "payments": Audited("payment", text("{method} {amount}")),
    # Billed time gets its invoice line from the run, whose invoices are in the trail.
    "time_entries": Audited(
        "time entry", text("{minutes} min on #{ticket_id}"), ignored=frozenset({"invoice_line_id"})
    ),
    "service_requests": Audited("service request", text("ticket #{ticket_id}")),
    "webhook_endpoints": Audited("webhook endpoint", text("{url}"), secret=frozenset({"secret"})),
}

PARTS: dict[str, Part] = {
    "ticket_events": Part("tickets", "ticket_id", "timeline", _event),
    "escalation_steps": Part("escalation_policies", "policy_id", "steps", _step),
    "rotation_members": Part("rotations", "rotation_id", "members", _member),
    "request_windows": Part("service_requests", "request_id", "windows", text("{starts_at}")),
    "recovery_codes": Part("users", "user_id", "recovery codes", lambda _values: MASK),
    "invoice_lines": Part("invoices", "invoice_id", "lines", text("{description}: {amount}")),
}

KINDS = tuple(sorted(spec.kind for spec in SUBJECTS.values()))
