"""`twiml_text` writes every TwiML document exactly as twilio's own `str()` does, hostile
text included: it only skips ElementTree's writer set-up, never its escaping."""

from __future__ import annotations

import random

import pytest
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse

from ivr import flow
from ivr.flow import CallView
from ivr.transfer import Transfer
from ivr.twiml_text import twiml_text

# What a caller, a company's name or a pasted note may hold.
HOSTILE = [
    "",
    "plain words",
    "Smith & Sons <b>\"quoted\"</b> 'single'",
    "]]><Hangup/><Say>",
    "tab\there, new\nline, return\r end",
    "Café Müller, 東京, emoji 🚨",
    "&amp; already escaped &lt;",
    "\x00",
]


def _views(name: str) -> list[CallView]:
    transfer = Transfer("CA" + "1" * 32, 3, "+13365550123", caller_id="+13365550111")
    return [
        CallView(name, "emergency", in_business_hours=False, client_name=name, ticket_number=7),
        CallView(
            name,
            "help_desk",
            in_business_hours=True,
            client_name=None,
            caller_number="+13365550100",
            callback_number="+13365550101",
            ticket_number=1042,
            transfer=transfer,
            hours=name,
            emergency_definition=name,
        ),
    ]


def _flow_documents(name: str) -> list[VoiceResponse]:
    documents = [
        flow.apology(name, None),
        flow.apology(name, "+13365550199"),
        flow.last_resort(name),
        flow.fallback_received(name),
        flow.empty(),
        flow.ask_for_message(),
    ]
    for view in _views(name):
        documents += [
            flow.ask_account_number(view, 1),
            flow.account_not_found(view, 2, "12&34"),
            flow.after_identification(view),
            flow.emergency_intake(view),
            flow.request_intake(view),
            flow.to_help_desk(view),
            flow.after_menu(view),
            flow.ask_callback(view),
            flow.goodbye(view),
            flow.pager_down(view, "+13365550199"),
        ]
    return documents


@pytest.mark.parametrize("name", HOSTILE)
def test_every_flow_answer_is_written_as_twilio_writes_it(name: str) -> None:
    for document in _flow_documents(name):
        assert twiml_text(document) == str(document)


def test_random_text_in_every_place_is_written_as_twilio_writes_it() -> None:
    rng = random.Random(20261205)
    alphabet = "ab <>&\"'\t\n\r;#/=?é🚨\x01"
    for _ in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        voice = VoiceResponse()
        gather = voice.gather(action=f"/twilio/voice/menu/1?x={text}", num_digits=1)
        gather.say(text, language="en-US")
        voice.say(text)
        voice.pause(length=1)
        dial = voice.dial(timeout=20, caller_id=text or None)
        dial.number(text or "+13365550123", url=f"/whisper?t={text}")
        voice.record(action="/rec", transcribe_callback=text or None)
        voice.redirect(f"/twilio/voice?a=1&b={text}")
        voice.hangup()
        assert twiml_text(voice) == str(voice), repr(text)
        message = MessagingResponse()
        message.message(text)
        assert twiml_text(message) == str(message), repr(text)


def test_a_lone_surrogate_is_written_as_twilio_writes_it() -> None:
    voice = VoiceResponse()
    voice.say("broken \ud800 text")
    assert twiml_text(voice) == str(voice)
    assert "&#55296;" in twiml_text(voice)


def test_strings_among_verbs_booleans_and_json_values_are_written_as_twilio_writes_them() -> None:
    voice = VoiceResponse()
    voice.append("text before any verb")
    gather = voice.gather(action="/menu", action_on_empty_result=True, enhanced=False)
    gather.append("first text")
    gather.append("replaced text")
    gather.say("press 1")
    gather.append("a tail & <more>")
    gather.append("the last tail wins")
    voice.add_child("Custom", {"key": "value & <json>"}, flag=True)
    voice.add_child("Empty", "", count=0)
    assert twiml_text(voice) == str(voice)
