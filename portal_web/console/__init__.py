"""The staff console (the `console` blueprint, /console/...): the live board, tickets,
clients, on call, the business calendar, billing, the delivery log and the audit trail."""

from __future__ import annotations

# Each module adds its routes (or template filters) to the blueprint when imported.
from portal_web.console import (  # noqa: F401
    audit,
    billing,
    board,
    calendar,
    clients,
    delivery,
    inputs,
    oncall,
    payments,
    people,
    staff,
    ticket_view,
    tickets,
)
from portal_web.console.blueprint import console

__all__ = ["console"]
