"""The public front page, the health check and the metrics."""

from __future__ import annotations

from flask import Blueprint, Response, abort, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from prometheus_client import CONTENT_TYPE_LATEST

from portal_web import context
from portal_web.metrics import exposition, scrape_allowed
from ticketing.monitoring.health import check_health

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
def healthz() -> ResponseReturnValue:
    """Whether pages can go out: the database, the scheduler's heartbeat, the oldest due page
    (503 when any check fails, so a load balancer or monitor needs no JSON parser)."""
    health = check_health(context.db(), context.now())
    answer = jsonify(health.as_dict())
    answer.status_code = 200 if health.ok else 503
    answer.headers["Cache-Control"] = "no-store"
    return answer


@bp.get("/metrics")
def metrics() -> ResponseReturnValue:
    """Prometheus text: for METRICS_TOKEN's bearer, or loopback clients without a token."""
    token = context.metrics_token()
    if not scrape_allowed(token, request.headers.get("Authorization", ""), request.remote_addr):
        abort(403)
    body = exposition(context.db(), context.now())
    return Response(body, content_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})
