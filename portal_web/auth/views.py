"""The `auth` blueprint's pages: log in and out, ask for access, choose or reset a password.

The decisions live in ticketing.accounts (access_requests, logins); these views parse the
form, call one function, commit, and answer. No answer tells whether an email address
has an account.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_user, logout_user

from ivr.phones import to_e164
from portal_web import second_factor
from portal_web.access import me
from portal_web.auth.blueprint import auth
from portal_web.auth.forms import (
    ForgotPasswordForm,
    LoginForm,
    RequestAccessForm,
    SetPasswordForm,
)
from portal_web.context import access_limits, db, firm, now
from portal_web.security import login_manager
from ticketing.accounts.access_limits import WINDOW, AccessRequestsPaused
from ticketing.accounts.access_requests import submit_access_request
from ticketing.accounts.credentials import (
    end_sessions,
    normalize_email,
    set_password,
    usable_token,
)
from ticketing.accounts.logins import authenticate
from ticketing.accounts.models import User
from ticketing.accounts.password_resets import queue_reset
from ticketing.errors import DomainError

# A session cookie copied to another browser (other address or user agent) is dropped.
login_manager.session_protection = "strong"

WRONG = "That email and password do not match an account. Check both and try again."
# A refused access request may try again once the counting window has passed.
RETRY_AFTER_SECONDS = int(WINDOW.total_seconds())
THROTTLED = (
    "Too many failed attempts: logging in with this account or from this address is "
    "paused for 15 minutes. You can reset your password meanwhile."
)


def landing(user: User) -> str:
    """Where someone goes after logging in: the portal, or the staff console."""
    return url_for("console.board") if user.is_staff else url_for("portal.home")


def safe_next(target: str | None) -> str | None:
    """`target` if it is a path on this site (never another host: no open redirect)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    # Browsers drop tabs and newlines in URLs, so "/\t/evil.example" means "//evil.example".
    if any(ch.isspace() or ord(ch) < 32 for ch in target):
        return None
    parts = urlsplit(target)
    return None if parts.scheme or parts.netloc else target


def start_session(user: User, *, remember: bool = False) -> None:
    """Log `user` in (after every factor) in a new session."""
    # A new session on login: whatever an attacker planted in the old one is gone.
    session.clear()
    login_user(user, remember=remember)


def _private(body: str, status: int = 200) -> ResponseReturnValue:
    # Pages reached through a secret link: not cached, and the link is not sent onwards.
    headers = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
    return body, status, headers


@auth.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """Email and password; throttled after repeated failures. Staff, and anyone who set up
    a second factor, go on to the code (or enrolment) page, not logged in yet."""
    if current_user.is_authenticated:
        return redirect(landing(me()))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        result = authenticate(
            db(), form.email.data, form.password.data, remote_addr=request.remote_addr, now=now()
        )
        db().commit()
        if result.user is not None:
            remember, target = bool(form.remember.data), safe_next(request.args.get("next"))
            if result.user.has_second_factor or result.user.must_have_second_factor:
                second_factor.hold(result.user, remember=remember, next_url=target)
                return redirect(second_factor.page_for(result.user))
            start_session(result.user, remember=remember)
            return redirect(target or landing(result.user))
        error = THROTTLED if result.throttled else WRONG
    return render_template("auth/login.html", form=form, error=error)


@auth.post("/logout")
def logout() -> ResponseReturnValue:
    """End the session (a POST with the CSRF token: a link elsewhere cannot log you out)."""
    if current_user.is_authenticated:
        # Cookie sessions live in the browser: a copy of this one (or of the remember
        # cookie) would stay valid unless the user's session version moves on.
        end_sessions(me())
        db().commit()
    session.clear()
    # After clear(): logout_user() leaves the order to delete the remember cookie in
    # the session, which clear() would throw away.
    logout_user()
    flash("You are logged out.")
    return redirect(url_for("public.front"))


@auth.route("/request-access", methods=["GET", "POST"])
def request_access() -> ResponseReturnValue:
    """The public form; the same thanks whether or not the address has an account, and
    429 (call us instead) beyond the hourly limits, per address and overall."""
    form = RequestAccessForm()
    if form.validate_on_submit():
        try:
            submit_access_request(
                db(),
                name=form.name.data,
                company=form.company.data,
                email=form.email.data,
                phone=to_e164(form.phone.data) or "",
                message=form.message.data or "",
                now=now(),
                firm=firm(),
                remote_addr=request.remote_addr,
                limits=access_limits(),
            )
        except AccessRequestsPaused:
            db().rollback()
            page = render_template("auth/request_paused.html", line=firm().main_line)
            return page, 429, {"Retry-After": str(RETRY_AFTER_SECONDS)}
        db().commit()
        return redirect(url_for("auth.request_received"))
    return render_template("auth/request_access.html", form=form)


@auth.get("/request-access/received")
def request_received() -> ResponseReturnValue:
    """Thanks: staff will look at the request."""
    return render_template("auth/request_received.html")


@auth.route("/set-password/<token>", methods=["GET", "POST"])
def set_password_page(token: str) -> ResponseReturnValue:
    """Choose a password through a one-time link, then be logged in (after the second
    factor, for those who have or need one)."""
    found = usable_token(db(), token, now=now())
    if found is None:
        return _private(render_template("auth/link_expired.html"), 410)
    form = SetPasswordForm(email=found.user.email)
    if form.validate_on_submit():
        try:
            user = set_password(db(), found, form.password.data, now=now())
        except DomainError:  # the same link was used a moment ago, in another tab
            db().rollback()
            return _private(render_template("auth/link_expired.html"), 410)
        db().commit()
        if user.has_second_factor or user.must_have_second_factor:
            # A link in a mailbox is one factor: the second is still asked for.
            second_factor.hold(user, remember=False, next_url=None)
            flash("Your password is set. One more step to log in.")
            return redirect(second_factor.page_for(user))
        start_session(user)
        flash("Your password is set. Welcome!")
        return redirect(landing(user))
    page = render_template("auth/set_password.html", form=form, user=found.user, token=found)
    return _private(page)


@auth.route("/forgot-password", methods=["GET", "POST"])
def forgot_password() -> ResponseReturnValue:
    """Ask for a reset link; the answer is the same whether the account exists or not."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        # Queued for the scheduler: the same work for every address, so the time the
        # answer takes does not tell whether the account exists.
        queue_reset(db(), normalize_email(form.email.data), now=now())
        db().commit()
        return render_template("auth/forgot_password.html", form=form, sent=True)
    return render_template("auth/forgot_password.html", form=form, sent=False)
