"""A change asked for by a form, all or nothing: committed, announced and redirected on
success; refused by the domain (DomainError), rolled back and answered with the page that
says why, keeping what was typed."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect
from flask.typing import ResponseReturnValue

from portal_web import context
from ticketing.errors import DomainError


def apply_change(
    change: Callable[[], str],
    *,
    redirect_to: str,
    render_on_error: Callable[[DomainError], ResponseReturnValue],
    code: int = 302,
) -> ResponseReturnValue:
    """Run `change` (it returns what to flash) and commit, or roll back and render the refusal."""
    session = context.db()
    try:
        message = change()
    except DomainError as refused:
        session.rollback()  # nothing half-saved, whatever the domain had begun
        return render_on_error(refused)
    session.commit()
    flash(message)
    return redirect(redirect_to, code=code)
