"""The client portal (the `portal` blueprint, /portal/...): home, tickets, requests,
agreements, invoices and card payments (with Stripe's webhook), reports."""

from __future__ import annotations

# Each module adds its routes to the blueprints when imported.
from portal_web.portal import (  # noqa: F401
    account,
    agreements,
    home,
    invoices,
    payments,
    reports,
    requests_forms,
    tickets,
)
from portal_web.portal.blueprint import portal, stripe_webhook

__all__ = ["portal", "stripe_webhook"]
