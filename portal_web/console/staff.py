"""Console: the firm's staff and their two-step login (reset by a colleague when a phone is
lost), and a staff member's own account (new recovery codes)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from portal_web import access, context
from portal_web.console.blueprint import console
from ticketing.accounts.models import User, UserRole
from ticketing.accounts.second_factor import (
    new_recovery_codes,
    recovery_codes_left,
    reset_second_factor,
)


@console.get("/staff", endpoint="staff")
@access.staff_required
def staff_page() -> ResponseReturnValue:
    """GET /console/staff: the firm's staff, whether each has set up two-step login."""
    return staff_list()


def staff_list(error: str | None = None) -> ResponseReturnValue:
    """The staff page, with a refusal to show if any."""
    stmt = select(User).where(User.role.in_((UserRole.STAFF, UserRole.ADMIN))).order_by(User.name)
    html = render_template(
        "console/staff.html", staff=list(context.db().scalars(stmt)), error=error
    )
    return html, 400 if error else 200


@console.post("/users/<int:user_id>/second-factor/reset", endpoint="reset_second_factor")
@access.staff_required
def reset_second_factor_view(user_id: int) -> ResponseReturnValue:
    """POST: remove someone's second factor and end their sessions; staff set up a new
    one at their next login, a client's administrator may."""
    user = context.db().get(User, user_id)
    if user is None:
        abort(404)
    had = user.has_second_factor or user.totp_secret is not None
    reset_second_factor(context.db(), user)
    context.db().commit()
    if had:
        flash(f"Two-step login of {user.name} was reset; they set it up again at next login.")
    else:
        flash(f"{user.name} had no two-step login to reset.")
    if user.is_staff or user.client_id is None:
        return redirect(url_for("console.staff"))
    return redirect(url_for("console.client", client_id=user.client_id))


@console.get("/account", endpoint="account")
@access.staff_required
def account_page() -> ResponseReturnValue:
    """GET /console/account: your two-step login and how many recovery codes are left."""
    me = access.me()
    left = recovery_codes_left(context.db(), me)
    return render_template("console/account.html", user=me, codes_left=left)


@console.post("/account/recovery-codes", endpoint="new_recovery_codes")
@access.staff_required
def new_recovery_codes_view() -> ResponseReturnValue:
    """POST: ten new recovery codes, shown once; the old ones stop working."""
    codes = new_recovery_codes(context.db(), access.me(), now=context.now())
    context.db().commit()
    return render_template("console/recovery_codes.html", codes=codes)
