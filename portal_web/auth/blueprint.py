"""The blueprint of logging in and out, asking for access, and setting passwords."""

from __future__ import annotations

from flask import Blueprint

auth = Blueprint("auth", __name__)
