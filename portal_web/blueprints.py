"""The blueprints pages hang off (shared so that small modules can each add their routes)."""

from __future__ import annotations

from flask import Blueprint

# The client portal: every route is for a logged-in client user (see access.py).
portal = Blueprint("portal", __name__, url_prefix="/portal")
# Log in, log out, request access, set and reset passwords.
auth = Blueprint("auth", __name__)
# Stripe's signed webhook (exempt from CSRF: the signature proves the sender).
stripe_webhook = Blueprint("stripe_webhook", __name__)
# The staff console: every route is for the firm's staff (access.staff_required).
console = Blueprint("console", __name__, url_prefix="/console")
