"""The public front page and the health check."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

bp = Blueprint("public", __name__)


@bp.get("/")
def front() -> ResponseReturnValue:
    """The portal's front door: logged-in people go to their home page."""
    if current_user.is_authenticated:
        target = "console.board" if current_user.is_staff else "portal.home"
        try:
            return redirect(url_for(target))
        except Exception:  # the console is not built yet: show the front page
            pass
    return render_template("public/front.html")


@bp.get("/healthz")
def healthz() -> tuple[str, int, dict[str, str]]:
    """Liveness probe for load balancers."""
    return "ok\n", 200, {"Content-Type": "text/plain"}
