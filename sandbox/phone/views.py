"""The phone simulator's console pages (demo/sandbox only): call the support line from the
browser, one step at a time, and answer the pages as the on-call technician."""

from __future__ import annotations

import contextlib
import uuid
import xml.etree.ElementTree as ET
from datetime import datetime
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from portal_web.access import staff_required
from portal_web.context import db
from sandbox import context
from sandbox.phone.legs import LegCall
from sandbox.phone.phones import (
    answer_call,
    catch_up,
    decline_call,
    hang_up_dropped,
    place_call,
)
from sandbox.phone.simulator import SimState, new_call, post_as_twilio, sim_store
from ticketing.directory import valid_phone
from ticketing.errors import DomainError
from ticketing.models import Contact, Technician
from ticketing.oncall.roster import on_call

# Its own blueprint, registered by sandbox.init_app in demo mode only; not named sandbox_*,
# which would exempt its forms from CSRF (portal_web.security).
bp = Blueprint("console_phone", __name__, url_prefix="/console", template_folder="templates")
PAGE = "sandbox/phone.html"

AT_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M")
MAX_SPEECH = 1000
MAX_SMS = 1600
EVENT_LABELS = {
    "heard": "Heard:",
    "caller": "Caller",
    "dial": "Dial:",
    "queue": "Queue:",
    "end": "End:",
    "error": "Error:",
    "audio": "Audio:",
    "bridge": "Line:",
    "redirect": "Line:",
}
# On a technician's phone the one pressing keys is the technician.
LEG_LABELS = {**EVENT_LABELS, "caller": "Technician"}


def _sandbox() -> Any | None:
    """The sandbox store when the app runs in demo (sandbox) mode, else None."""
    if not context.settings().sandbox:
        return None
    return current_app.extensions.get("sandbox")


def _refused() -> ResponseReturnValue:
    return render_template(PAGE, unavailable=True), 403


def _contacts() -> list[Contact]:
    return list(db().scalars(select(Contact).order_by(Contact.id).limit(30)))


def _parse_caller(raw: str) -> str:
    """`anonymous` as Twilio sends it for a withheld number, else the E.164 form."""
    raw = raw.strip()
    return "anonymous" if raw.lower() == "anonymous" else valid_phone(raw)


def _parse_at(raw: str) -> str | None:
    """The "pretend it is" moment as SimulatedAt wants it (YYYY-MM-DD HH:MM), or None."""
    raw = raw.strip()
    if not raw:
        return None
    for fmt in AT_FORMATS:
        try:
            return datetime.strptime(raw, fmt).strftime("%Y-%m-%d %H:%M")
        except ValueError:
            continue
    raise DomainError(f"{raw!r} is not a date and time (YYYY-MM-DD HH:MM)")


def _end_transaction() -> None:
    """End this request's (read-only) transaction before the webhooks run theirs, so that
    theirs are never nested inside it (nor wait on it)."""
    db().commit()


@bp.get("/phone")
@staff_required
def phone() -> ResponseReturnValue:
    """The simulator's start form (or why it is not available here)."""
    if _sandbox() is None:
        return render_template(PAGE, unavailable=True)
    contacts = _contacts()
    default = contacts[0].phone if contacts else "anonymous"
    return render_template(PAGE, contacts=contacts, default_caller=default)


@bp.post("/phone")
@staff_required
def phone_start() -> ResponseReturnValue:
    """Place a simulated call and play it up to the first question."""
    sandbox = _sandbox()
    if sandbox is None:
        return _refused()
    try:
        caller = _parse_caller(request.form.get("caller", ""))
        at = _parse_at(request.form.get("at", ""))
    except DomainError as exc:
        contacts = _contacts()
        return render_template(
            PAGE,
            contacts=contacts,
            default_caller=request.form.get("caller", ""),
            error=str(exc),
        ), 400
    _end_transaction()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    store = sim_store(app)
    state = new_call(store, caller, at, sandbox)
    with store.step_lock:
        store.put(place_call(app, state))
        hang_up_dropped(app)
    return redirect(url_for("console_phone.phone_call", sim_id=state.id))


def _state_or_404(sim_id: str) -> SimState:
    state = sim_store(current_app._get_current_object()).get(sim_id)  # type: ignore[attr-defined]
    if state is None:
        abort(404)
    return state


def _technicians() -> list[Technician]:
    stmt = select(Technician).where(Technician.active.is_(True)).order_by(Technician.name)
    return list(db().scalars(stmt))


@bp.get("/phone/<sim_id>")
@staff_required
def phone_call(sim_id: str) -> ResponseReturnValue:
    """The call so far, what it waits for, and the technician's side."""
    sandbox = _sandbox()
    if sandbox is None:
        return _refused()
    state = _state_or_404(sim_id)
    now = context.now()
    holder = on_call(db(), now)
    _end_transaction()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    store = sim_store(app)
    calls = [c for c in sandbox.calls()[state.calls_since :] if c.direction != "inbound"]
    # The page shows the line as it is now: redirects the service made meanwhile are heard.
    with store.step_lock:
        hang_up_dropped(app)
        catch_up(app, state)
        legs = [store.by_call_sid(c.sid) for c in calls]
        for leg in legs:
            if leg is not None:
                catch_up(app, leg)
    return render_template(
        PAGE,
        sim=state,
        messages=sandbox.messages(state.sms_since),
        calls=list(zip(calls, legs, strict=True)),
        technicians=_technicians(),
        on_call_id=holder.id if holder else None,
        event_labels=EVENT_LABELS,
        leg_labels=LEG_LABELS,
    )


def _answer() -> str | None:
    """The caller's answer from the form: keys, words, a key to leave the queue, or None."""
    action = request.form.get("action", "")
    if action in ("hangup", "give-up"):
        return None
    if action == "say":
        return request.form.get("speech", "")[:MAX_SPEECH]
    return request.form.get("key") or request.form.get("keys", "")[:40]


@bp.post("/phone/<sim_id>/answer")
@staff_required
def phone_answer(sim_id: str) -> ResponseReturnValue:
    """The caller presses keys, speaks, or hangs up; the call plays on to its next question."""
    if _sandbox() is None:
        return _refused()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    store = sim_store(app)
    # One step at a time: a double click must not play the same answer twice.
    with store.step_lock:
        state = _state_or_404(sim_id)
        if not state.ended:
            _end_transaction()
            if request.form.get("action") == "ring-out":
                _ring_out(app, state)
            else:
                store.put(LegCall(app, state).advance(_answer()))
    return redirect(url_for("console_phone.phone_call", sim_id=sim_id))


def _ring_out(app: Any, state: SimState) -> None:
    """Nobody answers the phone the caller's <Dial> rings."""
    if state.dialing is None:
        return
    # Answered meanwhile: the caller goes on hearing that call.
    with contextlib.suppress(DomainError):
        decline_call(app, state.dialing)


@bp.post("/phone/<sim_id>/technician")
@staff_required
def phone_technician(sim_id: str) -> ResponseReturnValue:
    """The technician's phone: answer a ringing call, let it ring out, press keys, hang up."""
    if _sandbox() is None:
        return _refused()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    store = sim_store(app)
    call_sid = request.form.get("call", "")[:64]
    action = request.form.get("action", "")
    with store.step_lock:
        _state_or_404(sim_id)
        _end_transaction()
        try:
            if action == "answer":
                answer_call(app, call_sid)
            elif action == "decline":
                decline_call(app, call_sid)
            else:
                leg = store.by_call_sid(call_sid)
                if leg is None:
                    abort(404)
                if not leg.ended:
                    store.put(LegCall(app, leg).advance(_answer()))
        except DomainError as exc:
            flash(str(exc), "error")
    return redirect(url_for("console_phone.phone_call", sim_id=sim_id) + "#technician")


def _reply_text(status: int, body: bytes) -> str:
    """What our /twilio/sms answer texts back (its <Message>s), or why there is nothing."""
    if status == 204 or not body.strip():
        return "(no reply)"
    if status != 200:
        return f"(HTTP {status})"
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return "(an answer that is not TwiML)"
    texts = [" ".join("".join(m.itertext()).split()) for m in root.iter("Message")]
    return "\n".join(texts) or "(no reply)"


def _text_from(tech: Technician, body: str) -> str:
    """Post a signed inbound SMS from `tech` to /twilio/sms; what we text back."""
    settings = context.settings()
    sid = "SM" + uuid.uuid4().hex
    params = {
        "MessageSid": sid,
        "SmsSid": sid,
        "AccountSid": settings.twilio_account_sid,
        "From": tech.phone,
        "To": settings.twilio_sms_from or settings.twilio_voice_number,
        "Body": body,
        "NumMedia": "0",
        "ApiVersion": "2010-04-01",
    }
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    answer = post_as_twilio(app, "/twilio/sms", params)
    return _reply_text(answer.status_code, answer.content)


@bp.post("/phone/<sim_id>/reply")
@staff_required
def phone_reply(sim_id: str) -> ResponseReturnValue:
    """Text the service as a technician (ACK 1042, STOP, ...) and keep what it answers."""
    if _sandbox() is None:
        return _refused()
    state = _state_or_404(sim_id)
    tech = db().get(Technician, request.form.get("technician", type=int) or 0)
    body = request.form.get("body", "").strip()[:MAX_SMS]
    if tech is None or not body:
        abort(400)
    _end_transaction()
    state.replies.append((tech.name, body, _text_from(tech, body)))
    sim_store(current_app._get_current_object()).put(state)  # type: ignore[attr-defined]
    return redirect(url_for("console_phone.phone_call", sim_id=sim_id) + "#technician")
