"""The second step of logging in: the code page, and for staff without a second factor the
enrolment page (QR code, the secret to type by hand, a first code to confirm it).

Only someone half logged in (portal_web.second_factor.pending) reaches these; Flask-Login
logs them in when the code is right. Wrong codes are throttled like wrong passwords.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from portal_web import second_factor
from portal_web.auth.blueprint import auth
from portal_web.auth.views import landing, start_session
from portal_web.context import db, now
from portal_web.second_factor import CodeForm, Pending
from ticketing.accounts.logins import check_second_factor
from ticketing.accounts.second_factor import CodeCheck, confirm_enrolment, recovery_codes_left

EXPIRED = "Your login took too long to finish. Log in again."
WRONG_CODE = "That code is not right. Check the app (and the time on your phone) and try again."
REPLAYED = "That code was used already. Wait for the app to show the next one."
CODE_THROTTLED = (
    "Too many wrong codes: logging in with this account or from this address is paused "
    "for 15 minutes."
)


def _refusal(checked: CodeCheck | None) -> str:
    if checked is None:
        return CODE_THROTTLED
    return REPLAYED if checked == CodeCheck.REPLAYED else WRONG_CODE


def _start_again() -> ResponseReturnValue:
    second_factor.release()
    flash(EXPIRED)
    return redirect(url_for("auth.login"))


def _check(waiting: Pending, form: CodeForm, enrolling: str | None = None) -> CodeCheck | None:
    return check_second_factor(
        db(),
        waiting.user,
        form.code.data,
        remote_addr=request.remote_addr,
        now=now(),
        enrolling=enrolling,
    )


@auth.route("/login/code", methods=["GET", "POST"], endpoint="second_factor")
def second_factor_page() -> ResponseReturnValue:
    """The 6-digit code (or a recovery code) after the password."""
    waiting = second_factor.pending()
    if waiting is None:
        return _start_again()
    if not waiting.user.has_second_factor:
        return redirect(second_factor.page_for(waiting.user))
    form, error = CodeForm(), None
    if form.validate_on_submit():
        checked = _check(waiting, form)
        db().commit()
        if checked is not None and checked.accepted:
            user = waiting.user
            start_session(user, remember=waiting.remember)
            if checked == CodeCheck.RECOVERY:
                left = recovery_codes_left(db(), user)
                flash(
                    f"You used a recovery code: {left} left. Make new ones on your account "
                    "page if you are running short."
                )
            return redirect(waiting.next_url or landing(user))
        error = _refusal(checked)
    return render_template("auth/second_factor.html", form=form, error=error)


@auth.route("/login/enrol", methods=["GET", "POST"])
def enrol() -> ResponseReturnValue:
    """Set up the second factor staff must have: scan, confirm with a code, save the
    recovery codes (shown once), then into the console."""
    waiting = second_factor.pending()
    if waiting is None:
        return _start_again()
    user = waiting.user
    if user.has_second_factor or not user.must_have_second_factor:
        return redirect(second_factor.page_for(user))
    secret = second_factor.enrolling_secret(user)
    form, error = CodeForm(), None
    if form.validate_on_submit():
        checked = _check(waiting, form, enrolling=secret)
        if checked == CodeCheck.TOTP:
            codes = confirm_enrolment(db(), user, now=now())
            db().commit()
            start_session(user, remember=waiting.remember)
            done = waiting.next_url or landing(user)
            return render_template("auth/recovery_codes.html", codes=codes, done=done)
        db().commit()
        error = _refusal(checked)
    return render_template(
        "auth/enrol.html",
        form=form,
        error=error,
        qr=second_factor.qr_image(user, secret),
        secret=second_factor.spaced(secret),
    )
