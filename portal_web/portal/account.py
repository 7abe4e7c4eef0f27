"""The portal's account page: who you are, and for company administrators an optional
two-step login (a code from an app after the password) with its recovery codes."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from portal_web import access, context, second_factor
from portal_web.portal.blueprint import portal
from portal_web.second_factor import CodeForm
from ticketing.accounts.logins import check_second_factor
from ticketing.accounts.second_factor import (
    CodeCheck,
    confirm_enrolment,
    new_recovery_codes,
    recovery_codes_left,
)

WRONG_CODE = "That code is not right. Check the app (and the time on your phone) and try again."
THROTTLED = "Too many wrong codes: try again in 15 minutes."


@portal.get("/account", endpoint="account")
@access.client_required
def account_page() -> ResponseReturnValue:
    """GET /portal/account: your name and email; two-step login for administrators."""
    me = access.me()
    left = recovery_codes_left(context.db(), me) if me.has_second_factor else 0
    return render_template("portal/account.html", user=me, codes_left=left)


def _setup_page(form: CodeForm, secret: str, error: str | None = None) -> ResponseReturnValue:
    html = render_template(
        "portal/two_step.html",
        form=form,
        error=error,
        qr=second_factor.qr_image(access.me(), secret),
        secret=second_factor.spaced(secret),
    )
    return html, 400 if error else 200


@portal.route("/account/two-step", methods=["GET", "POST"], endpoint="two_step")
@access.company_admin_required
def two_step_page() -> ResponseReturnValue:
    """Set up two-step login: scan the QR code, confirm with a code, save recovery codes."""
    me = access.me()
    if me.has_second_factor:
        return redirect(url_for("portal.account"))
    secret = second_factor.enrolling_secret(me)
    form = CodeForm()
    if not form.validate_on_submit():
        return _setup_page(form, secret)
    checked = check_second_factor(
        context.db(),
        me,
        form.code.data,
        remote_addr=request.remote_addr,
        now=context.now(),
        enrolling=secret,
    )
    if checked != CodeCheck.TOTP:
        context.db().commit()  # a wrong code counts against the login throttle
        return _setup_page(form, secret, THROTTLED if checked is None else WRONG_CODE)
    codes = confirm_enrolment(context.db(), me, now=context.now())
    context.db().commit()
    second_factor.enrolled()
    return render_template("portal/recovery_codes.html", codes=codes, new=True)


@portal.post("/account/recovery-codes", endpoint="recovery_codes")
@access.company_admin_required
def recovery_codes_page() -> ResponseReturnValue:
    """POST: ten new recovery codes, shown once; the old ones stop working."""
    me = access.me()
    if not me.has_second_factor:
        return redirect(url_for("portal.account"))
    codes = new_recovery_codes(context.db(), me, now=context.now())
    context.db().commit()
    return render_template("portal/recovery_codes.html", codes=codes, new=False)
