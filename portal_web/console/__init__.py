"""The staff console (the `console` blueprint, /console/...): the live board, tickets,
clients, on call, the business calendar, billing and the delivery log."""

from __future__ import annotations

# Each module adds its routes (or template filters) to the blueprint when imported.
from portal_web.console import (  # noqa: F401
    billing,
    board,
    calendar,
    clients,
    delivery,
    inputs,
    oncall,
    ticket_view,
    tickets,
)
from portal_web.console.blueprint import console

__all__ = ["console"]
