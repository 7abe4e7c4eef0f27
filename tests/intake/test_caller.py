"""The simulated caller (and `intake call`) against a small fake webhook service that
checks signatures and answers scripted TwiML."""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, Response, jsonify, request
from flask.typing import ResponseReturnValue
from twilio.request_validator import RequestValidator
from werkzeug.serving import make_server

from intake.cli import calls as call_cli
from intake.config import SANDBOX_AUTH_TOKEN
from sandbox.twilio.caller import (
    APPLICATION_ERROR,
    MAX_REQUESTS,
    CallTranscript,
    SimulatedCall,
    press,
)
from tests.support.cli import invoke

TOKEN = SANDBOX_AUTH_TOKEN
CALLER = "+13365550123"
TECH = "+13365550101"
# Paths whose answer Twilio ignores: the fake answers them 204.
CALLBACK_PATHS = {"/twilio/voice/status", "/hooks/transcribed", "/hooks/recording", "/left"}

Script = dict[str, str | Callable[[dict[str, str]], ResponseReturnValue]]


class FakeService:
    """A webhook service that checks X-Twilio-Signature and answers from a script."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.script: Script = {}
        self.posts: list[tuple[str, dict[str, str]]] = []
        self.texts: list[dict[str, str]] = []
        self.app = Flask("fake_service")
        self.app.add_url_rule("/<path:path>", view_func=self.webhook, methods=["POST"])
        self.app.add_url_rule("/sandbox/twilio/messages", view_func=self.messages)
        self.base_url = ""

    def webhook(self, path: str) -> ResponseReturnValue:
        """Answer a signed post from the script; 403 when the signature is wrong."""
        signature = request.headers.get("X-Twilio-Signature", "")
        if not RequestValidator(self.token).validate(request.url, request.form, signature):
            return "forged", 403
        path = "/" + path
        form = request.form.to_dict()
        self.posts.append((path, form))
        if path in CALLBACK_PATHS:
            return "", 204
        reply = self.script.get(path)
        if reply is None:
            return "not in the script", 404
        if callable(reply):
            return reply(form)
        return twiml(reply)

    def messages(self) -> ResponseReturnValue:
        """The sandbox's message list, as `intake call` polls it."""
        return jsonify(self.texts[int(request.args.get("since", "0")) :])

    def paths(self) -> list[str]:
        """The paths posted to, in order."""
        return [path for path, _ in self.posts]

    def form(self, path: str) -> dict[str, str]:
        """The last form posted to `path`."""
        return next(form for p, form in reversed(self.posts) if p == path)


def twiml(inner: str) -> Response:
    """A TwiML document around `inner`, with the content type Twilio expects."""
    body = f'<?xml version="1.0" encoding="UTF-8"?><Response>{inner}</Response>'
    return Response(body, mimetype="text/xml")


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """Serve `app` over real HTTP on a free local port; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)


@pytest.fixture
def service() -> Iterator[FakeService]:
    """A running FakeService with an empty script."""
    fake = FakeService()
    with serving(fake.app) as base_url:
        fake.base_url = base_url
        yield fake


def closed_port_url() -> str:
    """A local URL nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def call(
    service: FakeService, keys: list[str] | None = None, **options: Any
) -> tuple[CallTranscript, list[str]]:
    """Play a call against `service`; the transcript and the lines printed."""
    lines: list[str] = []
    options.setdefault("base_url", service.base_url)
    transcript = SimulatedCall(
        auth_token=options.pop("token", TOKEN),
        from_number=CALLER,
        keys=keys,
        out=lines.append,
        **options,
    ).run()
    return transcript, lines


MENU = (
    '<Gather numDigits="1" action="/twilio/voice/menu">'
    "<Say>Press 1 for an emergency.</Say></Gather>"
    "<Say>We did not get that.</Say>"
)


def menu_choice(form: dict[str, str]) -> Response:
    """The menu's action: repeats the choice, hangs up, and has a verb after <Hangup>."""
    return twiml(f"<Say>You pressed {form.get('Digits')!r}.</Say><Hangup/><Say>never</Say>")


def test_gather_posts_the_keys_pressed(service: FakeService):
    """Keys go to the Gather's action, signed; its TwiML plays; Hangup ends the call."""
    service.script = {"/twilio/voice": MENU, "/twilio/voice/menu": menu_choice}
    transcript, lines = call(service, ["1"])
    assert transcript.said == ["Press 1 for an emergency.", "You pressed '1'."]
    assert transcript.keys == ["1"]
    assert transcript.ended == "hangup" and transcript.hung_up
    assert service.paths() == ["/twilio/voice", "/twilio/voice/menu", "/twilio/voice/status"]
    first, second = service.form("/twilio/voice"), service.form("/twilio/voice/menu")
    assert re.fullmatch(r"CA[0-9a-f]{32}", first["CallSid"])
    assert first["CallSid"] == second["CallSid"] == transcript.call_sid
    assert (first["CallStatus"], second["CallStatus"]) == ("ringing", "in-progress")
    assert first["From"] == first["Caller"] == CALLER
    assert first["To"] == first["Called"] == "+18888991911"
    assert (first["Direction"], first["ApiVersion"]) == ("inbound", "2010-04-01")
    assert "🔊 Press 1 for an emergency." in lines


def test_gather_without_keys_falls_through_to_the_next_verb(service: FakeService):
    """No input: Twilio posts nothing and runs the verb after <Gather>."""
    service.script = {"/twilio/voice": MENU, "/twilio/voice/menu": menu_choice}
    transcript, _ = call(service, [""])
    assert transcript.said == ["Press 1 for an emergency.", "We did not get that."]
    assert transcript.keys == []
    assert "/twilio/voice/menu" not in service.paths()
    assert transcript.ended == "end"


def test_action_on_empty_result_posts_empty_digits(service: FakeService):
    """actionOnEmptyResult="true" makes an empty Gather post anyway."""
    service.script = {
        "/twilio/voice": MENU.replace("<Gather ", '<Gather actionOnEmptyResult="true" '),
        "/twilio/voice/menu": menu_choice,
    }
    transcript, _ = call(service, [""])
    assert service.form("/twilio/voice/menu")["Digits"] == ""
    assert "We did not get that." not in transcript.said


def test_gather_without_action_posts_to_the_current_url(service: FakeService):
    """The default action is the document's own URL."""

    def voice(form: dict[str, str]) -> Response:
        if "Digits" in form:
            return twiml(f"<Say>Account {form['Digits']}.</Say>")
        return twiml("<Gather><Say>Enter your account number, then hash.</Say></Gather>")

    service.script = {"/twilio/voice": voice}
    transcript, _ = call(service, ["4711#99"])
    assert service.paths()[:2] == ["/twilio/voice", "/twilio/voice"]
    assert transcript.said[-1] == "Account 4711."


def test_keys_are_cut_by_finish_on_key_and_num_digits():
    """press() collects keys as <Gather> does."""
    assert press("12#9") == "12"
    assert press("42", num_digits=1) == "4"
    assert press("1#2", finish_on_key="") == "1#2"
    assert press(" 1 a*") == "1*"
    assert press("#") == ""


RECORD = (
    "<Say>Describe the problem after the tone.</Say>"
    '<Record action="recorded" maxLength="120" transcribe="true"'
    ' transcribeCallback="/hooks/transcribed" recordingStatusCallback="/hooks/recording"/>'
    "<Say>We did not hear anything.</Say>"
)


def test_record_posts_the_recording_then_its_transcription(service: FakeService):
    """Typed words become a recording; the action (a relative URL) gets it, then the text."""
    service.script = {"/twilio/voice": RECORD, "/twilio/recorded": "<Say>Thank you.</Say>"}
    transcript, _ = call(service, ["Our server is down"])
    assert service.paths() == [
        "/twilio/voice",
        "/twilio/recorded",
        "/hooks/transcribed",
        "/hooks/recording",
        "/twilio/voice/status",
    ]
    recorded = service.form("/twilio/recorded")
    assert re.fullmatch(
        r"https://api\.twilio\.com/2010-04-01/Accounts/AC\w+/Recordings/RE[0-9a-f]{32}",
        recorded["RecordingUrl"],
    )
    assert recorded["RecordingUrl"].endswith(recorded["RecordingSid"])
    assert (recorded["RecordingDuration"], recorded["Digits"]) == ("4", "#")
    text = service.form("/hooks/transcribed")
    assert text["TranscriptionText"] == "Our server is down"
    assert text["TranscriptionStatus"] == "completed"
    assert text["RecordingSid"] == recorded["RecordingSid"]
    assert text["TranscriptionSid"].startswith("TR")
    assert service.form("/hooks/recording")["RecordingStatus"] == "completed"
    assert transcript.recordings == ["Our server is down"]
    assert transcript.said == ["Describe the problem after the tone.", "Thank you."]


def test_empty_recording_posts_nothing_and_falls_through(service: FakeService):
    """Silence: no action post, no transcription; the verb after <Record> plays."""
    service.script = {"/twilio/voice": RECORD, "/twilio/recorded": "<Say>Thank you.</Say>"}
    transcript, _ = call(service, ["   "])
    assert service.paths() == ["/twilio/voice", "/twilio/voice/status"]
    assert transcript.said[-1] == "We did not hear anything."
    assert transcript.recordings == []


def test_redirects_resolve_relative_urls(service: FakeService):
    """Relative URLs are resolved against the URL whose TwiML is running."""
    service.script = {
        "/twilio/voice": "<Redirect>/ivr/one</Redirect><Say>never</Say>",
        "/ivr/one": "<Redirect>two</Redirect>",
        "/ivr/two": '<Redirect method="POST">../done?step=3</Redirect>',
        "/done": "<Say>Done.</Say>",
    }
    transcript, _ = call(service)
    assert service.paths()[:4] == ["/twilio/voice", "/ivr/one", "/ivr/two", "/done"]
    assert transcript.urls[-1] == service.base_url + "/done?step=3"
    assert transcript.said == ["Done."]


def test_a_redirect_loop_is_cut_off(service: FakeService):
    """At most MAX_REQUESTS TwiML requests; the caller hears the application error."""
    service.script = {"/twilio/voice": "<Redirect>/twilio/voice</Redirect>"}
    transcript, lines = call(service)
    assert transcript.ended == "loop"
    assert not transcript.hung_up
    assert service.paths().count("/twilio/voice") == MAX_REQUESTS == 50
    assert service.paths()[-1] == "/twilio/voice/status"
    assert "redirect loop" in (transcript.error or "")
    assert f"🔊 {APPLICATION_ERROR}" in lines


def test_a_server_error_is_what_the_caller_hears(service: FakeService):
    """A 500 ends the call with Twilio's application-error message; status still posted."""
    service.script = {"/twilio/voice": lambda form: ("boom", 500)}
    transcript, lines = call(service)
    assert transcript.ended == "error"
    assert "HTTP 500" in (transcript.error or "")
    assert f"🔊 {APPLICATION_ERROR}" in lines
    assert service.form("/twilio/voice/status")["CallStatus"] == "completed"


def test_unparseable_twiml_ends_the_call(service: FakeService):
    """XML that does not parse is Twilio's error 12100."""
    service.script = {
        "/twilio/voice": lambda form: Response("<Response><Say>oops", mimetype="text/xml")
    }
    transcript, _ = call(service)
    assert transcript.ended == "error"
    assert "12100" in (transcript.error or "")
    assert transcript.said == []


def test_requests_signed_with_another_token_are_refused(service: FakeService):
    """The fake checks signatures, so a wrong token shows up as a 403."""
    service.script = {"/twilio/voice": "<Say>Hello.</Say>"}
    transcript, _ = call(service, token="not-the-token")
    assert "HTTP 403" in (transcript.error or "")
    assert service.posts == []


def test_status_callback_when_the_call_ends(service: FakeService):
    """CallStatus=completed with a duration and sequence number, for the same CallSid."""
    service.script = {"/twilio/voice": "<Say>Hello, this is the support line.</Say><Pause/>"}
    transcript, lines = call(service)
    status = service.form("/twilio/voice/status")
    assert status["CallStatus"] == "completed"
    assert status["CallSid"] == transcript.call_sid
    assert int(status["CallDuration"]) == transcript.duration >= 2
    assert status["SequenceNumber"] == "0"
    assert transcript.ended == "end" and transcript.hung_up
    assert lines[-1].startswith("📴 call ended (end")


def test_simulated_at_only_on_the_first_request(service: FakeService):
    """SimulatedAt goes with the incoming call, not with later steps."""
    service.script = {"/twilio/voice": MENU, "/twilio/voice/menu": menu_choice}
    call(service, ["1"], at="2026-12-24 21:30")
    assert service.form("/twilio/voice")["SimulatedAt"] == "2026-12-24 21:30"
    assert "SimulatedAt" not in service.form("/twilio/voice/menu")


def test_no_simulated_at_unless_asked(service: FakeService):
    """A plain call posts exactly what Twilio posts."""
    service.script = {"/twilio/voice": "<Say>Hi.</Say>"}
    call(service)
    assert "SimulatedAt" not in service.form("/twilio/voice")


def test_dial_reports_no_answer_to_its_action(service: FakeService):
    """Nobody can answer a simulated transfer: the action gets DialCallStatus=no-answer."""
    service.script = {
        "/twilio/voice": (
            f'<Dial action="/dialed" timeout="20"><Number>{TECH}</Number></Dial><Say>never</Say>'
        ),
        "/dialed": lambda form: twiml(f"<Say>Dial said {form['DialCallStatus']}.</Say>"),
    }
    transcript, lines = call(service)
    assert service.form("/dialed")["DialCallStatus"] == "no-answer"
    assert transcript.said == ["Dial said no-answer."]
    assert any(line.startswith(f"📞 connecting to number {TECH}") for line in lines)


def test_enqueue_leaves_the_queue_by_hanging_up(service: FakeService):
    """No technician can pick up in the simulation: the caller leaves, the action is told."""
    service.script = {"/twilio/voice": '<Enqueue action="/left">helpdesk</Enqueue><Say>x</Say>'}
    transcript, _ = call(service)
    assert service.form("/left")["QueueResult"] == "hangup"
    assert transcript.ended == "caller"
    assert transcript.said == []


QUEUED = '<Enqueue waitUrl="/queue/wait" action="/queue/done">helpdesk</Enqueue><Say>never</Say>'
WAITING = (
    '<Gather numDigits="1" action="/queue/key"><Say>You are number 1 in line.</Say></Gather>'
    '<Pause length="20"/>'
)


def test_enqueue_plays_the_wait_url_and_a_key_leaves_the_queue(service: FakeService):
    """A key pressed while waiting: the Gather's action answers <Leave>, then the Enqueue
    action gets QueueResult=leave and its TwiML plays (the message path)."""
    service.script = {
        "/twilio/voice": QUEUED,
        "/queue/wait": WAITING,
        "/queue/key": "<Leave/>",
        "/queue/done": lambda form: twiml(f"<Say>Result {form['QueueResult']}.</Say>"),
    }
    transcript, _ = call(service, ["7"])
    assert service.paths()[:4] == ["/twilio/voice", "/queue/wait", "/queue/key", "/queue/done"]
    wait = service.form("/queue/wait")
    assert (wait["QueuePosition"], wait["CurrentQueueSize"]) == ("1", "1")
    assert service.form("/queue/done")["QueueSid"] == wait["QueueSid"]
    assert transcript.said == ["You are number 1 in line.", "Result leave."]
    assert transcript.keys == ["7"]


def test_enqueue_without_a_key_hangs_up_while_waiting(service: FakeService):
    """No key pressed: the caller gives up; the action is told QueueResult=hangup."""
    service.script = {"/twilio/voice": QUEUED, "/queue/wait": WAITING, "/queue/done": "<Say/>"}
    transcript, _ = call(service, [""])
    assert service.form("/queue/done")["QueueResult"] == "hangup"
    assert "/queue/key" not in service.paths()
    assert transcript.ended == "caller"
    assert transcript.said == ["You are number 1 in line."]


def test_the_caller_hangs_up_when_scripted_answers_run_out(service: FakeService):
    """A script with too few answers ends the call instead of looping on a menu."""
    service.script = {"/twilio/voice": MENU}
    transcript, lines = call(service, [])
    assert "📴 (no more scripted answers: the caller hangs up)" in lines
    assert transcript.ended == "caller"
    assert not transcript.hung_up
    assert service.paths() == ["/twilio/voice", "/twilio/voice/status"]


def test_without_scripted_keys_the_caller_types(
    service: FakeService, monkeypatch: pytest.MonkeyPatch
):
    """Interactive use: keys come from input()."""
    typed = iter(["1"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(typed))
    service.script = {"/twilio/voice": MENU, "/twilio/voice/menu": menu_choice}
    transcript, _ = call(service, None)
    assert service.form("/twilio/voice/menu")["Digits"] == "1"
    assert transcript.hung_up


def test_an_unreachable_service_is_reported():
    """Nothing listening: the call fails with a clear reason instead of a traceback."""
    lines: list[str] = []
    transcript = SimulatedCall(
        closed_port_url(), TOKEN, from_number=CALLER, keys=[], out=lines.append
    ).run()
    assert transcript.ended == "error"
    assert "could not reach" in (transcript.error or "")


# --- `intake call` --------------------------------------------------------------------


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep load_settings away from the developer's .env and instance/ directory."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("INTAKE_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("SECRET_KEY", "a-test-secret-key-of-32-characters")
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)


def test_call_command_rejects_an_impossible_moment(cli_env: None):
    """--at "2026-13-45 99:99" is a usage error that says what a moment looks like."""
    result = invoke("call", "--at", "2026-13-45 99:99")
    assert result.exit_code == 2
    assert "--at" in result.output
    assert "YYYY-MM-DD HH:MM" in result.output


@pytest.mark.parametrize("number", ["12", "not a number", "+1 555"])
def test_call_command_rejects_a_bad_caller_number(cli_env: None, number: str):
    """--from must be a real number or "anonymous"."""
    result = invoke("call", "--from", number)
    assert result.exit_code == 2
    assert "not a phone number" in result.output


def test_call_command_says_when_the_service_is_not_running(cli_env: None):
    """No service at the URL: exit 1 and a hint to start it."""
    result = invoke("call", "--url", closed_port_url(), "--answer", "1")
    assert result.exit_code == 1
    assert "is `intake serve --demo` running?" in result.output


def test_call_command_plays_the_call_and_shows_the_page(
    cli_env: None, service: FakeService, monkeypatch: pytest.MonkeyPatch
):
    """The call plays in the terminal, then the technician's text message appears."""
    monkeypatch.setattr(call_cli, "POLL_INTERVAL", 0.05)
    monkeypatch.setattr(call_cli, "QUIET_SECONDS", 0.2)
    service.texts.append({"to": TECH, "body": "an old page, sent before this call"})

    def choose(form: dict[str, str]) -> Response:
        service.texts.append({"to": TECH, "body": "EMERGENCY ticket 1042. Reply ACK 1042"})
        return twiml("<Say>A technician has been paged.</Say><Hangup/>")

    service.script = {"/twilio/voice": MENU, "/twilio/voice/menu": choose}
    args = ["call", "--url", service.base_url, "--from", "(336) 555-0123"]
    result = invoke(*args, "--at", "2026-12-24 21:30", "--answer", "1")
    assert result.exit_code == 0, result.output
    assert "🔊 Press 1 for an emergency." in result.output
    assert f"📱 Technician's phone ({TECH}): EMERGENCY ticket 1042. Reply ACK 1042" in result.output
    assert "an old page" not in result.output
    first = service.form("/twilio/voice")
    assert (first["From"], first["SimulatedAt"]) == (CALLER, "2026-12-24 21:30")


def test_call_command_fails_when_the_call_does(cli_env: None, service: FakeService):
    """A call that ends in an application error exits non-zero."""
    service.script = {"/twilio/voice": lambda form: ("boom", 500)}
    result = invoke("call", "--url", service.base_url, "--answer", "1")
    assert result.exit_code == 1
    assert "the call failed" in result.output
