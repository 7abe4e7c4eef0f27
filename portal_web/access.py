"""Who may see what: client users see their company's things (users: their own tickets;
billing only with permission), staff see the console; anything else is a 404. Someone
half logged in (password right, second factor pending) is sent back to the code page."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, redirect, request
from flask_login import current_user, login_required, logout_user
from sqlalchemy import Select, or_

from portal_web import second_factor
from ticketing.accounts.models import User, UserRole
from ticketing.models import Ticket


def me() -> User:
    """The logged-in user (views are wrapped so that one exists)."""
    return current_user._get_current_object()  # type: ignore[attr-defined]


def logged_in(view: Callable[..., Any]) -> Callable[..., Any]:
    """Flask-Login's login_required, except that someone half logged in goes to the code
    (or enrolment) page rather than to the password form."""
    guarded = login_required(view)

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            waiting = second_factor.pending()
            if waiting is not None:
                return redirect(second_factor.page_for(waiting.user))
        return guarded(*args, **kwargs)

    return wrapped


def client_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """A page of the client portal: logged in, and a client's person (staff get 404)."""

    @logged_in
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if me().is_staff or me().client_id is None:
            abort(404)
        return view(*args, **kwargs)

    return wrapped


def billing_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Invoices and payments: company administrators, or users given billing permission."""

    @client_required
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not can_see_billing(me()):
            abort(404)
        return view(*args, **kwargs)

    return wrapped


def company_admin_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Agreements and reports: the company's administrators."""

    @client_required
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if me().role != UserRole.CLIENT_ADMIN:
            abort(404)
        return view(*args, **kwargs)

    return wrapped


def staff_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """A page of the staff console: clients get 404, not a hint that it exists; staff
    without a second factor (a session older than the requirement) set one up first."""

    @logged_in
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        user = me()
        if not user.is_staff:
            abort(404)
        if not user.has_second_factor:
            back = request.full_path.rstrip("?") if request.method == "GET" else None
            second_factor.hold(user, remember=False, next_url=back)
            logout_user()
            return redirect(second_factor.page_for(user))
        return view(*args, **kwargs)

    return wrapped


def can_see_billing(user: User) -> bool:
    """Company administrators always; users only with the billing permission."""
    return user.role == UserRole.CLIENT_ADMIN or user.can_view_billing


def visible_tickets(stmt: Select[Any], user: User) -> Select[Any]:
    """Limit a ticket query to what `user` may see (their company; users: their own; never
    a drill)."""
    stmt = stmt.where(Ticket.client_id == user.client_id, Ticket.drill.is_(False))
    if user.role != UserRole.CLIENT_ADMIN:
        own = [Ticket.requested_by_user_id == user.id]
        if user.contact_id is not None:
            own.append(Ticket.contact_id == user.contact_id)
        stmt = stmt.where(or_(*own))
    return stmt


def owned_or_404(obj: Any) -> Any:
    """`obj` if it belongs to the user's company, else 404 (never 403: no hint it exists)."""
    if obj is None or getattr(obj, "client_id", None) != me().client_id:
        abort(404)
    return obj
