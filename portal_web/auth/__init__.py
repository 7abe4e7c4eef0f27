"""Log in and out, ask for access, choose or reset a password (the `auth` blueprint)."""

from __future__ import annotations

# Importing the views adds their routes to the blueprint.
from portal_web.auth import enquiries, second_factor, views  # noqa: F401
from portal_web.auth.blueprint import auth

__all__ = ["auth"]
