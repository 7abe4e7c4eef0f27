"""The client portal's blueprints (shared so that small modules can each add their routes)."""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user

from portal_web import context
from portal_web.access import me
from ticketing.audit.models import AuditSource

# The client portal: every route is for a logged-in client user (see portal_web/access.py).
portal = Blueprint("portal", __name__, url_prefix="/portal")
# Stripe's signed webhook, which pays portal invoices (exempt from CSRF: the signature
# proves the sender).
stripe_webhook = Blueprint("stripe_webhook", __name__)


@portal.before_request
def _changes_are_the_clients() -> None:
    """What a client's person changes in the portal goes into the audit trail as theirs."""
    if current_user.is_authenticated and not current_user.is_staff:
        context.act_as(me(), AuditSource.PORTAL)
