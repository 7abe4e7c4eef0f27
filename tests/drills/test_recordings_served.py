"""A caller leaves a message and nobody transcribes it: every text, email, page and export
that mentions it points at our own route, and none carries Twilio's address, the account
SID or the recording's SID; the technician's voice page still says a message was left;
and the demo's sandbox hands the audio to our route as Twilio would."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from intake.config import SANDBOX_ACCOUNT_SID, Settings
from tests.support.logins import as_client_user, as_staff
from tests.support.people import DANA, JANE
from tests.support.recordings import RECORDING_SID, fake_recordings
from tests.support.replies import text, voice_page
from tests.support.sandbox import SANDBOX_URL, routed_to_app
from tests.support.twilio import PUBLIC_BASE_URL, said
from ticketing.models import OutboxMessage, Ticket

SECRETS = ("api.twilio.com", "twilio.com/", SANDBOX_ACCOUNT_SID, RECORDING_SID)


def _left_a_message(phone, session) -> Ticket:
    """An after-hours call: the caller records a message, keeps the caller ID, hangs up."""
    call = phone(JANE)
    call.ring()
    call.record(seconds=17, sid=RECORDING_SID)
    call.post("/twilio/voice/callback/confirm", Digits="1")
    session.expire_all()
    return session.scalars(select(Ticket).order_by(Ticket.id.desc()).limit(1)).one()


def _clean(where: str, content: str) -> None:
    found = [secret for secret in SECRETS if secret in content]
    assert not found, f"{where} carries {found}: {content[:300]}"


def test_no_text_email_or_page_carries_twilios_address(
    app, client, session, directory, phone, twilio, clock
) -> None:
    ticket = _left_a_message(phone, session)
    assert ticket.recording_url and ticket.description is None
    listen = f"/console/tickets/{ticket.number}/recording"

    # The page to the technician links to the console on the firm's own address.
    [page] = session.scalars(
        select(OutboxMessage).where(OutboxMessage.ticket_id == ticket.id)
    ).all()
    assert f"Message: {PUBLIC_BASE_URL}{listen}" in page.body
    # The voice page tells of the message; Twilio's address is never spoken or played.
    call = voice_page(session, clock, ticket)
    answer = twilio(f"/twilio/voice/page/{call.id}", {"CallSid": call.provider_sid})
    assert "recorded message" in said(answer)
    _clean("the voice page", answer.get_data(as_text=True))
    # Not an emergency after all: the client's representative is told by text and email.
    directory["jane"].email = "jane@bakery.example"
    session.commit()
    text(twilio, DANA, f"NE {ticket.number}")
    rows = list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    assert {row.channel for row in rows} >= {"sms", "call", "email"}
    for row in rows:
        _clean(f"{row.channel} {row.kind} #{row.id}", f"{row.subject or ''} {row.body}")

    staff = as_staff(app.test_client(), session)
    for url in (f"/console/tickets/{ticket.number}", "/console/tickets", "/console/delivery"):
        body = staff.get(url).get_data(as_text=True)
        _clean(url, body)
    assert f'src="{listen}"' in staff.get(f"/console/tickets/{ticket.number}").text

    as_client_user(client, session, directory["bakery"])
    mine = f"/portal/tickets/{ticket.number}"
    for url in (mine, "/portal/tickets", "/portal/reports", "/portal/reports.csv"):
        answer = client.get(url)
        assert answer.status_code == 200, url
        _clean(url, answer.get_data(as_text=True))
    assert f'src="{mine}/recording"' in client.get(mine).text


def test_the_route_plays_what_the_recording_source_hands_over(
    app, session, directory, phone
) -> None:
    ticket = _left_a_message(phone, session)
    source = fake_recordings(app)
    staff = as_staff(app.test_client(), session)

    answer = staff.get(f"/console/tickets/{ticket.number}/recording")

    assert answer.status_code == 200 and answer.mimetype == "audio/mpeg"
    assert [ref.recording_sid for ref, _ in source.fetched] == [RECORDING_SID]


class TestTheSandbox:
    """`intake serve --demo`: our route fetches from the sandbox's Twilio API, which
    answers a recording's media with a tone."""

    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        """Demo mode: the sandbox is mounted and is where Twilio's API is."""
        return settings.with_overrides(sandbox=True, twilio_api_base_url=SANDBOX_URL)

    def test_the_demo_plays_a_message_fetched_from_the_sandbox(
        self, app, client, session, directory, phone
    ) -> None:
        ticket = _left_a_message(phone, session)
        staff = as_staff(app.test_client(), session)

        with routed_to_app(client, SANDBOX_URL) as sandbox:
            answer = staff.get(f"/console/tickets/{ticket.number}/recording")
            [fetch] = sandbox.calls

        assert answer.status_code == 200
        assert answer.mimetype == "audio/wav"
        assert answer.data.startswith(b"RIFF") and b"WAVE" in answer.data[:12]
        assert len(answer.data) > 8000  # about two seconds of 8 kHz audio
        assert fetch.request.url.endswith(f"/Recordings/{RECORDING_SID}.mp3")

    def test_the_sandbox_wants_the_accounts_credentials(self, client) -> None:
        path = (
            f"/sandbox/twilio/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}/Recordings/{RECORDING_SID}"
        )
        assert client.get(path + ".mp3").status_code == 401
        assert client.get(path, auth=(SANDBOX_ACCOUNT_SID, "wrong")).status_code == 401

    def test_the_sandbox_serves_ranges_and_refuses_odd_sids(self, client) -> None:
        from tests.support.twilio import AUTH_TOKEN

        path = f"/sandbox/twilio/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}/Recordings/"
        auth = (SANDBOX_ACCOUNT_SID, AUTH_TOKEN)
        whole = client.get(path + RECORDING_SID + ".wav", auth=auth)
        part = client.get(path + RECORDING_SID, auth=auth, headers={"Range": "bytes=0-99"})
        assert whole.status_code == 200 and whole.mimetype == "audio/wav"
        assert part.status_code == 206 and part.data == whole.data[:100]
        assert part.headers["Content-Range"] == f"bytes 0-99/{len(whole.data)}"
        assert client.get(path + "RE1.mp3", auth=auth).status_code == 404
        assert client.get(path + RECORDING_SID + ".exe", auth=auth).status_code == 404
