"""The staff console's blueprint (shared so that small modules can each add their routes)."""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user

from portal_web import context
from portal_web.access import me
from ticketing.audit.models import AuditSource

# Every route is for the firm's staff (access.staff_required).
console = Blueprint("console", __name__, url_prefix="/console")


@console.before_request
def _changes_are_staffs() -> None:
    """What a staff member changes in the console goes into the audit trail as theirs."""
    if current_user.is_authenticated and current_user.is_staff:
        context.act_as(me(), AuditSource.CONSOLE)
