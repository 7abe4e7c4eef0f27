"""A local fake of the Twilio REST endpoints the service uses, mounted at /sandbox/twilio.

Only in demo mode (`settings.sandbox`): the scheduler's Twilio client is pointed here
(`twilio_api_base_url`), so the demo runs the same sending code as production. Messages
and calls are kept in memory, printed to the terminal, and listed at /sandbox/; the
account's phone numbers can be listed and their webhook URLs set, as on Twilio, and a
recording's media answers with a tone (recordings.py).
"""

from __future__ import annotations

import re

from flask import Blueprint, Flask, Response, jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from sandbox import context
from sandbox.context import now
from sandbox.twilio.numbers import (
    METHOD_FIELDS,
    SANDBOX_NUMBERS,
    URL_FIELDS,
    SandboxNumber,
    bad_url,
)
from sandbox.twilio.page import pages
from sandbox.twilio.recordings import bp as recordings
from sandbox.twilio.rest import announce, authenticated, not_found, sandbox_store, twilio_error
from sandbox.twilio.store import (
    CallRedirect,
    SandboxCall,
    SandboxMessage,
    SandboxStore,
    new_sid,
)

bp = Blueprint("sandbox_twilio", __name__, url_prefix="/sandbox/twilio")

ACCOUNT = "/2010-04-01/Accounts/<account_sid>"
NUMBERS = f"{ACCOUNT}/IncomingPhoneNumbers"
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
    settings = context.settings_of(app)
    # The sandbox owns the configured support lines and sender, whatever they are.
    owned = (
        *SANDBOX_NUMBERS,
        settings.twilio_voice_number,
        *settings.support_lines,
        settings.twilio_sms_from or "",
    )
    app.extensions["sandbox"] = SandboxStore(
        settings.twilio_account_sid,
        settings.twilio_auth_token,
        phone_numbers=owned,
        callback_base=settings.public_base_url,
    )
    app.register_blueprint(bp)
    app.register_blueprint(recordings)
    app.register_blueprint(pages)
    csrf = app.extensions.get("csrf")
    if csrf is not None:
        # Twilio's API takes form posts without CSRF tokens; so must its fake.
        csrf.exempt(bp)


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
        date_created=now(),
        status_callback=form.get("StatusCallback", "").strip() or None,
        validity_period=_optional_int(form, "ValidityPeriod"),
    )
    store = sandbox_store()
    store.add_message(message)
    sender = message.from_ or message.messaging_service_sid
    # Continuation lines indented so a multi-line page still reads as one message.
    body = message.body.replace("\n", "\n    ")
    announce(f"[sandbox] SMS {sender} → {message.to}: {body}")
    store.start_delivery(message)
    return jsonify(message.to_json()), 201


@bp.get(f"{ACCOUNT}/Messages.json")
@authenticated
def message_list(account_sid: str) -> ResponseReturnValue:
    """Messages newest first, filtered like Twilio's list by To and DateSent>= (a day)."""
    to = request.args.get("To", "").strip()
    day = request.args.get("DateSent>", "")[:10]
    listed = [
        m.to_json()
        for m in reversed(sandbox_store().messages())
        if (not to or m.to == to) and (not day or m.date_created.date().isoformat() >= day)
    ]
    path = f"/2010-04-01/Accounts/{account_sid}/Messages.json"
    return jsonify(
        {
            "messages": listed,
            "page": 0,
            "page_size": len(listed),
            "uri": path,
            "next_page_uri": None,
        }
    )


@bp.get(f"{ACCOUNT}/Messages/<message_sid>.json")
@authenticated
def fetch_message(account_sid: str, message_sid: str) -> ResponseReturnValue:
    """One message, with its current status."""
    message = sandbox_store().message(message_sid)
    return (jsonify(message.to_json()), 200) if message else not_found()


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
    """Accept an outbound call: keep it ringing (the phone simulator answers it) and print it."""
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
        date_created=now(),
        status_callback=form.get("StatusCallback", "").strip() or None,
        timeout=_optional_int(form, "Timeout"),
        machine_detection=form.get("MachineDetection", "").strip() or None,
        status_events=tuple(e.strip().lower() for e in form.getlist("StatusCallbackEvent")),
    )
    sandbox_store().add_call(call)
    announce(f"[sandbox] CALL {call.from_} → {call.to}: {call.url or 'inline TwiML'}")
    return jsonify(call.to_json()), 201


@bp.get(f"{ACCOUNT}/Calls/<call_sid>.json")
@authenticated
def fetch_call(account_sid: str, call_sid: str) -> ResponseReturnValue:
    """One call, with the redirects it received."""
    call = sandbox_store().call(call_sid)
    return (jsonify(call.to_json()), 200) if call else not_found()


@bp.post(f"{ACCOUNT}/Calls/<call_sid>.json")
@authenticated
def update_call(account_sid: str, call_sid: str) -> ResponseReturnValue:
    """Redirect a live call to new TwiML, or end it (Status=completed|canceled)."""
    store = sandbox_store()
    call = store.call(call_sid)
    if call is None:
        return not_found()
    form = request.form
    url = form.get("Url", "").strip() or None
    twiml = form.get("Twiml", "").strip() or None
    status = form.get("Status", "").strip() or None
    if not (url or twiml or status) or status not in (None, "completed", "canceled"):
        return twilio_error(400, 20001, "Give Url, Twiml, or Status=completed|canceled.")
    if call.status in ("completed", "canceled"):
        return twilio_error(400, 21220, "Call is not in-progress. Cannot redirect.")
    store.redirect_call(call, CallRedirect(url, twiml, status, now()))
    change = f"ended ({status})" if status else f"redirected → {url or 'inline TwiML'}"
    announce(f"[sandbox] CALL {call.sid} {change}")
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


@bp.get(f"{NUMBERS}.json")
@authenticated
def list_numbers(account_sid: str) -> ResponseReturnValue:
    """The account's numbers, filtered by `PhoneNumber` like Twilio, as one page."""
    found = sandbox_store().numbers.find(request.args.get("PhoneNumber", ""))
    uri = request.full_path.removeprefix(bp.url_prefix or "").rstrip("?")
    page = {
        "incoming_phone_numbers": [number.to_json() for number in found],
        "page": 0,
        "page_size": 50,
        "start": 0,
        "end": max(len(found) - 1, 0),
        "uri": uri,
        "first_page_uri": uri,
        "next_page_uri": None,
        "previous_page_uri": None,
    }
    return jsonify(page), 200


@bp.get(f"{NUMBERS}/<number_sid>.json")
@authenticated
def fetch_number(account_sid: str, number_sid: str) -> ResponseReturnValue:
    """One number, with its webhook settings."""
    number = sandbox_store().numbers.get(number_sid)
    return (jsonify(number.to_json()), 200) if number else not_found()


def _number_changes(
    form: MultiDict[str, str],
) -> tuple[dict[str, str], tuple[Response, int] | None]:
    """The settings to store (attribute → value), or Twilio's error for a bad one."""
    changes: dict[str, str] = {}
    for name, attr in URL_FIELDS.items():
        if name in form:
            value = form[name].strip()
            if bad_url(value):
                return {}, twilio_error(400, 21402, f"Url is not valid: {name}={value!r}")
            changes[attr] = value
    for name, attr in METHOD_FIELDS.items():
        if name in form:
            value = form[name].strip().upper()
            if value not in ("GET", "POST"):
                return {}, twilio_error(400, 21403, f"{name} must be GET or POST, not {value!r}")
            changes[attr] = value
    return changes, None


@bp.post(f"{NUMBERS}/<number_sid>.json")
@authenticated
def update_number(account_sid: str, number_sid: str) -> ResponseReturnValue:
    """Change a number's webhook URLs and methods, checked as Twilio checks them."""
    store = sandbox_store()
    number = store.numbers.get(number_sid)
    if number is None:
        return not_found()
    changes, problem = _number_changes(request.form)
    if problem is not None:
        return problem
    store.numbers.update(number, changes, now())
    announce(f"[sandbox] NUMBER {number.phone_number} {_webhooks(number)}")
    return jsonify(number.to_json()), 200


def _webhooks(number: SandboxNumber) -> str:
    return f"voice → {number.voice_url or '(none)'}, SMS → {number.sms_url or '(none)'}"
