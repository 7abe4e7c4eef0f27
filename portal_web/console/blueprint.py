"""The staff console's blueprint (shared so that small modules can each add their routes)."""

from __future__ import annotations

from flask import Blueprint

# Every route is for the firm's staff (access.staff_required).
console = Blueprint("console", __name__, url_prefix="/console")
