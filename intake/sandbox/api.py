"""A local fake of the Twilio REST endpoints the service uses, mounted at /sandbox/twilio.

Only in demo mode (`settings.sandbox`): the scheduler's Twilio client is pointed here
(`twilio_api_base_url`), so the demo runs the same sending code as production. Messages
and calls are kept in memory, printed to the terminal, and listed at /sandbox/.
"""

from __future__ import annotations

import functools
import hmac
import re
from collections.abc import Callable
from datetime import UTC, datetime

import click
from flask import Blueprint, Flask, Response, current_app, jsonify, render_template_string, request
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from intake.sandbox.store import (
    CallRedirect,
    SandboxCall,
    SandboxMessage,
    SandboxStore,
    new_sid,
)

bp = Blueprint("sandbox_twilio", __name__, url_prefix="/sandbox/twilio")
pages = Blueprint("sandbox_pages", __name__, url_prefix="/sandbox")

ACCOUNT = "/2010-04-01/Accounts/<account_sid>"
E164 = re.compile(r"\+[1-9]\d{6,14}")
MAX_BODY = 1600

# Twilio's magic test numbers (test credentials): sending to them fails with these errors,
# so the sender's error handling can be tried in the demo.
MAGIC_TO = {
    "+15005550001": (21211, "The 'To' number +15005550001 is not a valid phone number."),
    "+15005550002": (21612, "The 'To' phone number is not currently reachable via SMS."),
    "+15005550003": (21408, "Permission to send an SMS has not been enabled for the region."),
    "+15005550004": (21610, "Attempt to send to unsubscribed recipient"),
    "+15005550009": (21614, "'To' number is not a valid mobile number"),
}


def init_app(app: Flask) -> None:
    """Create the in-memory store and mount the fake API and its HTML page."""
    settings = app.config["SETTINGS"]
    app.extensions["sandbox"] = SandboxStore(
        settings.twilio_account_sid, settings.twilio_auth_token
    )
    app.register_blueprint(bp)
    app.register_blueprint(pages)
    csrf = app.extensions.get("csrf")
    if csrf is not None:
        # Twilio's API takes form posts without CSRF tokens; so must its fake.
        csrf.exempt(bp)


def sandbox_store() -> SandboxStore:
    """The store of the current app."""
    return current_app.extensions["sandbox"]


def twilio_error(status: int, code: int, message: str) -> tuple[Response, int]:
    """An error body shaped like Twilio's, which twilio-python turns into TwilioRestException."""
    body = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return jsonify(body), status


def _announce(line: str) -> None:
    # The demo user watches the `intake serve --demo` terminal; click.echo flushes.
    click.echo(line)


def _now() -> datetime:
    clock = current_app.extensions.get("clock")
    return clock() if clock is not None else datetime.now(UTC)


def _credentials_ok(account_sid: str, auth_token: str) -> bool:
    auth = request.authorization
    if auth is None or auth.type != "basic":
        return False
    sid_ok = hmac.compare_digest((auth.username or "").encode(), account_sid.encode())
    token_ok = hmac.compare_digest((auth.password or "").encode(), auth_token.encode())
    return sid_ok and token_ok


def authenticated(view: Callable[..., ResponseReturnValue]) -> Callable[..., ResponseReturnValue]:
    """Require HTTP basic auth with the account SID and auth token, as Twilio does."""

    @functools.wraps(view)
    def wrapper(account_sid: str, **kwargs: str) -> ResponseReturnValue:
        """The view, if the caller is the account."""
        settings = current_app.config["SETTINGS"]
        if not _credentials_ok(settings.twilio_account_sid, settings.twilio_auth_token):
            response, status = twilio_error(401, 20003, "Authenticate")
            response.headers["WWW-Authenticate"] = 'Basic realm="Twilio API"'
            return response, status
        if account_sid != settings.twilio_account_sid:
            return _not_found()
        return view(account_sid, **kwargs)

    return wrapper


def _not_found() -> tuple[Response, int]:
    return twilio_error(404, 20404, f"The requested resource {request.path} was not found")


def _bad_integer(form: MultiDict[str, str], *names: str) -> tuple[Response, int] | None:
    for name in names:
        value = form.get(name, "").strip()
        if value and not value.isdigit():
            return twilio_error(400, 20001, f"Invalid {name}: {value!r} is not a whole number")
    return None


def _optional_int(form: MultiDict[str, str], name: str) -> int | None:
    value = form.get(name, "").strip()
    return int(value) if value else None


def _message_problem(form: MultiDict[str, str]) -> tuple[Response, int] | None:
    to = form.get("To", "").strip()
    if not to:
        return twilio_error(400, 21604, "A 'To' phone number is required.")
    if not E164.fullmatch(to):
        return twilio_error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
    if to in MAGIC_TO:
        return twilio_error(400, *MAGIC_TO[to])
    if not (form.get("From", "").strip() or form.get("MessagingServiceSid", "").strip()):
        return twilio_error(400, 21603, "A 'From' or 'MessagingServiceSid' is required.")
    body = form.get("Body", "")
    if not body:
        return twilio_error(400, 21602, "Message body is required.")
    if len(body) > MAX_BODY:
        return twilio_error(400, 21617, "The concatenated message body exceeds 1600 characters.")
    return _bad_integer(form, "ValidityPeriod")


@bp.post(f"{ACCOUNT}/Messages.json")
@authenticated
def create_message(account_sid: str) -> ResponseReturnValue:
    """Accept an SMS like Twilio: check it, keep it, print it, then report its progress."""
    form = request.form
    problem = _message_problem(form)
    if problem is not None:
        return problem
    message = SandboxMessage(
        sid=new_sid("SM"),
        account_sid=account_sid,
        to=form["To"].strip(),
        from_=form.get("From", "").strip() or None,
        messaging_service_sid=form.get("MessagingServiceSid", "").strip() or None,
        body=form["Body"],
        date_created=_now(),
        status_callback=form.get("StatusCallback", "").strip() or None,
        validity_period=_optional_int(form, "ValidityPeriod"),
    )
    store = sandbox_store()
    store.add_message(message)
    sender = message.from_ or message.messaging_service_sid
    # Continuation lines indented so a multi-line page still reads as one message.
    body = message.body.replace("\n", "\n    ")
    _announce(f"[sandbox] SMS {sender} → {message.to}: {body}")
    store.start_delivery(message)
    return jsonify(message.to_json()), 201


@bp.get(f"{ACCOUNT}/Messages/<message_sid>.json")
@authenticated
def fetch_message(account_sid: str, message_sid: str) -> ResponseReturnValue:
    """One message, with its current status."""
    message = sandbox_store().message(message_sid)
    return (jsonify(message.to_json()), 200) if message else _not_found()


def _call_problem(form: MultiDict[str, str]) -> tuple[Response, int] | None:
    if not form.get("To", "").strip():
        return twilio_error(400, 21201, "No 'To' number is specified")
    if not form.get("From", "").strip():
        return twilio_error(400, 21213, "No 'From' number is specified")
    if not (form.get("Url", "").strip() or form.get("Twiml", "").strip()):
        return twilio_error(400, 21205, "Url parameter is required.")
    return _bad_integer(form, "Timeout")


@bp.post(f"{ACCOUNT}/Calls.json")
@authenticated
def create_call(account_sid: str) -> ResponseReturnValue:
    """Accept an outbound call: keep its URL or TwiML (not run here) and print it."""
    form = request.form
    problem = _call_problem(form)
    if problem is not None:
        return problem
    call = SandboxCall(
        sid=new_sid("CA"),
        account_sid=account_sid,
        to=form["To"].strip(),
        from_=form["From"].strip(),
        url=form.get("Url", "").strip() or None,
        twiml=form.get("Twiml", "").strip() or None,
        date_created=_now(),
        status_callback=form.get("StatusCallback", "").strip() or None,
        timeout=_optional_int(form, "Timeout"),
        machine_detection=form.get("MachineDetection", "").strip() or None,
    )
    sandbox_store().add_call(call)
    _announce(f"[sandbox] CALL {call.from_} → {call.to}: {call.url or 'inline TwiML'}")
    return jsonify(call.to_json()), 201


@bp.get(f"{ACCOUNT}/Calls/<call_sid>.json")
@authenticated
def fetch_call(account_sid: str, call_sid: str) -> ResponseReturnValue:
    """One call, with the redirects it received."""
    call = sandbox_store().call(call_sid)
    return (jsonify(call.to_json()), 200) if call else _not_found()


@bp.post(f"{ACCOUNT}/Calls/<call_sid>.json")
@authenticated
def update_call(account_sid: str, call_sid: str) -> ResponseReturnValue:
    """Redirect a live call to new TwiML, or end it (Status=completed|canceled)."""
    store = sandbox_store()
    call = store.call(call_sid)
    if call is None:
        return _not_found()
    form = request.form
    url = form.get("Url", "").strip() or None
    twiml = form.get("Twiml", "").strip() or None
    status = form.get("Status", "").strip() or None
    if not (url or twiml or status) or status not in (None, "completed", "canceled"):
        return twilio_error(400, 20001, "Give Url, Twiml, or Status=completed|canceled.")
    if call.status in ("completed", "canceled"):
        return twilio_error(400, 21220, "Call is not in-progress. Cannot redirect.")
    store.redirect_call(call, CallRedirect(url, twiml, status, _now()))
    change = f"ended ({status})" if status else f"redirected → {url or 'inline TwiML'}"
    _announce(f"[sandbox] CALL {call.sid} {change}")
    return jsonify(call.to_json()), 200


@bp.get("/messages")
def list_messages() -> ResponseReturnValue:
    """Every SMS the sandbox sent, oldest first; `?since=N` skips the first N."""
    raw = request.args.get("since", "0").strip()
    if not raw.isdigit():
        return jsonify({"error": "since must be a whole number"}), 400
    return jsonify([m.to_json() for m in sandbox_store().messages(int(raw))])


@bp.get("/calls")
def list_calls() -> ResponseReturnValue:
    """Every call the sandbox placed, oldest first."""
    return jsonify([c.to_json() for c in sandbox_store().calls()])


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="5">
<title>Twilio sandbox</title>
<style>body{font-family:sans-serif;margin:2em}td,th{padding:.3em .8em;text-align:left;
vertical-align:top}tr:nth-child(even){background:#f3f3f3}pre{margin:0;white-space:pre-wrap}</style>
</head><body>
<h1>Twilio sandbox</h1>
<p>What the service "sent" through the local fake of Twilio. Refreshes every 5 seconds.</p>
<h2>Text messages ({{ messages|length }})</h2>
<table><tr><th>#</th><th>created</th><th>from</th><th>to</th><th>status</th><th>body</th></tr>
{% for m in messages|reverse %}<tr><td>{{ m.index }}</td><td>{{ m.date_created }}</td>
<td>{{ m.from_ or m.messaging_service_sid }}</td><td>{{ m.to }}</td><td>{{ m.status }}</td>
<td><pre>{{ m.body }}</pre></td></tr>
{% else %}<tr><td colspan="6">none yet</td></tr>{% endfor %}</table>
<h2>Calls ({{ calls|length }})</h2>
<table><tr><th>sid</th><th>created</th><th>from</th><th>to</th><th>status</th><th>TwiML</th></tr>
{% for c in calls|reverse %}<tr><td>{{ c.sid }}</td><td>{{ c.date_created }}</td>
<td>{{ c.from_ }}</td><td>{{ c.to }}</td><td>{{ c.status }}</td>
<td><pre>{{ c.url or c.twiml }}{% for r in c.redirects %}
→ {{ r.url or r.twiml or r.status }}{% endfor %}</pre></td></tr>
{% else %}<tr><td colspan="6">none yet</td></tr>{% endfor %}</table>
</body></html>
"""


@pages.get("/")
def sandbox_page() -> ResponseReturnValue:
    """An HTML list of the messages and calls, for people watching the demo."""
    store = sandbox_store()
    # render_template_string autoescapes: bodies are caller-controlled text.
    return render_template_string(PAGE, messages=store.messages(), calls=store.calls())
