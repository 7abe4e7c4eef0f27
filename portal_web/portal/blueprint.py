"""The client portal's blueprints (shared so that small modules can each add their routes)."""

from __future__ import annotations

from flask import Blueprint

# The client portal: every route is for a logged-in client user (see portal_web/access.py).
portal = Blueprint("portal", __name__, url_prefix="/portal")
# Stripe's signed webhook, which pays portal invoices (exempt from CSRF: the signature
# proves the sender).
stripe_webhook = Blueprint("stripe_webhook", __name__)
