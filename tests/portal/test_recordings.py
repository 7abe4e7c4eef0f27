"""The caller's recorded message on the portal: streamed by us from Twilio (faked with
`responses`) as the account, to the company whose ticket it is and nobody else; Twilio's
failures are pages of ours, and a stored address off Twilio's API is never fetched."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
import requests
import responses

from intake.config import SANDBOX_ACCOUNT_SID
from tests.support.logins import as_client_user, as_staff
from tests.support.recordings import AUDIO, RECORDING_SID, twilio_recording_url
from tests.support.tickets import add_ticket
from tests.support.twilio import AUTH_TOKEN
from ticketing.models import Ticket

API = "https://api.twilio.test"  # the tests' TWILIO_API_BASE_URL
MEDIA = f"{API}/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}/Recordings/{RECORDING_SID}.mp3"
BASIC = "Basic " + base64.b64encode(f"{SANDBOX_ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()


@pytest.fixture
def twilio_api() -> Iterator[responses.RequestsMock]:
    """Twilio's API, faked; a test that registers an answer expects it to be fetched."""
    with responses.RequestsMock() as mock:
        yield mock


@pytest.fixture
def recorded(session, directory) -> Ticket:
    """A bakery emergency whose caller left a message (no transcription yet)."""
    ticket = add_ticket(session, directory["bakery"])
    ticket.recording_url = twilio_recording_url()
    ticket.recording_sid = RECORDING_SID
    ticket.recording_duration = 21
    session.commit()
    return ticket


def _url(ticket: Ticket) -> str:
    return f"/portal/tickets/{ticket.number}/recording"


def test_the_owning_company_plays_it_fetched_from_twilio_as_the_account(
    client, session, directory, recorded, twilio_api
) -> None:
    twilio_api.get(MEDIA, body=AUDIO, content_type="audio/mpeg")
    as_client_user(client, session, directory["bakery"])

    answer = client.get(_url(recorded))

    assert answer.status_code == 200
    assert answer.data == AUDIO
    assert answer.mimetype == "audio/mpeg"
    assert answer.headers["Cache-Control"] == "no-store"
    assert f"ticket-{recorded.number}-message.mp3" in answer.headers["Content-Disposition"]
    [call] = twilio_api.calls
    assert call.request.headers["Authorization"] == BASIC


def test_a_seek_asks_twilio_for_that_range_and_passes_its_answer_on(
    client, session, directory, recorded, twilio_api
) -> None:
    headers = {
        "Content-Range": f"bytes 100-{len(AUDIO) - 1}/{len(AUDIO)}",
        "Accept-Ranges": "bytes",
    }
    twilio_api.get(MEDIA, body=AUDIO[100:], status=206, content_type="audio/mpeg", headers=headers)
    as_client_user(client, session, directory["bakery"])

    answer = client.get(_url(recorded), headers={"Range": "bytes=100-"})

    assert answer.status_code == 206
    assert answer.data == AUDIO[100:]
    assert answer.headers["Content-Range"] == headers["Content-Range"]
    assert twilio_api.calls[0].request.headers["Range"] == "bytes=100-"


def test_a_malformed_range_is_not_passed_on(client, session, directory, recorded, twilio_api):
    twilio_api.get(MEDIA, body=AUDIO, content_type="audio/mpeg")
    as_client_user(client, session, directory["bakery"])

    assert client.get(_url(recorded), headers={"Range": "bytes=1-2,5-9"}).status_code == 200
    assert "Range" not in twilio_api.calls[0].request.headers


@pytest.mark.parametrize("who", ["other company", "own user", "staff"])
def test_no_one_else_hears_it_and_twilio_is_not_asked(
    client, session, directory, recorded, twilio_api, who
) -> None:
    """Another company's administrator, a user of the company who is not the ticket's
    caller, and staff (who listen in the console) all get the portal's 404."""
    if who == "other company":
        as_client_user(client, session, directory["diner"])
    elif who == "own user":
        as_client_user(client, session, directory["bakery"], role="client_user")
    else:
        as_staff(client, session)

    answer = client.get(_url(recorded))

    assert answer.status_code == 404
    assert b"Page not found" in answer.data
    assert len(twilio_api.calls) == 0


def test_a_missing_ticket_is_the_same_404(client, session, directory, twilio_api) -> None:
    as_client_user(client, session, directory["bakery"])
    assert client.get("/portal/tickets/999999/recording").status_code == 404


def test_a_stranger_is_sent_to_log_in(client, recorded, twilio_api) -> None:
    answer = client.get(_url(recorded))
    assert answer.status_code == 302
    assert "/login" in answer.location
    assert len(twilio_api.calls) == 0


@pytest.mark.parametrize(
    ("status", "content_type", "expected"),
    [
        (500, "application/json", 502),
        (401, "application/json", 502),  # wrong credentials: our fault, not the reader's
        (200, "text/html", 502),  # a proxy's page is not a recording
        (404, "application/json", 404),  # deleted at Twilio
    ],
)
def test_twilio_failures_are_our_pages_never_a_500(
    client, session, directory, recorded, twilio_api, status, content_type, expected
) -> None:
    twilio_api.get(MEDIA, body=b'{"code": 20003}', status=status, content_type=content_type)
    as_client_user(client, session, directory["bakery"])

    answer = client.get(_url(recorded))

    assert answer.status_code == expected
    assert answer.mimetype == "text/html"
    if expected == 502:
        assert b"The recording could not be fetched" in answer.data
        assert b"Back to your portal" in answer.data


@pytest.mark.parametrize(
    ("failure", "expected"),
    [
        (requests.exceptions.ConnectTimeout("slow"), 504),
        (requests.exceptions.ReadTimeout("slow"), 504),
        (requests.exceptions.ConnectionError("refused"), 502),
    ],
)
def test_twilio_unreachable_is_502_or_504(
    client, session, directory, recorded, twilio_api, failure, expected
) -> None:
    twilio_api.get(MEDIA, body=failure)
    as_client_user(client, session, directory["bakery"])
    assert client.get(_url(recorded)).status_code == expected


@pytest.mark.parametrize(
    "stored",
    [
        "https://evil.example/2010-04-01/Accounts/{account}/Recordings/{sid}",
        "http://api.twilio.com/2010-04-01/Accounts/{account}/Recordings/{sid}",
        "https://api.twilio.com.evil.example/2010-04-01/Accounts/{account}/Recordings/{sid}",
        "https://api.twilio.com@evil.example/2010-04-01/Accounts/{account}/Recordings/{sid}",
        "https://api.twilio.com/2010-04-01/Accounts/{account}/Recordings/{sid}/../../x",
        "https://api.twilio.com/2010-04-01/Accounts/{account}/Recordings/{sid}?to=evil",
        "https://api.twilio.com/2010-04-01/Accounts/{account}/Recordings/RE1",
        "https://x.test/r",
        "javascript:alert(1)",
    ],
)
def test_a_stored_address_off_twilios_api_is_never_fetched(
    client, session, directory, recorded, twilio_api, stored
) -> None:
    recorded.recording_url = stored.format(account=SANDBOX_ACCOUNT_SID, sid=RECORDING_SID)
    session.commit()
    as_client_user(client, session, directory["bakery"])

    assert client.get(_url(recorded)).status_code == 404
    page = client.get(f"/portal/tickets/{recorded.number}").get_data(as_text=True)
    assert "<audio" not in page
    assert "evil" not in page and "twilio" not in page.lower()
    assert len(twilio_api.calls) == 0


def test_another_accounts_recording_is_not_fetched_with_our_credentials(
    client, session, directory, recorded, twilio_api
) -> None:
    recorded.recording_url = twilio_recording_url(account="AC" + "f" * 32)
    session.commit()
    as_client_user(client, session, directory["bakery"])

    assert client.get(_url(recorded)).status_code == 404
    assert len(twilio_api.calls) == 0


def test_the_ticket_page_plays_and_downloads_from_our_route(
    client, session, directory, recorded
) -> None:
    as_client_user(client, session, directory["bakery"])

    page = client.get(f"/portal/tickets/{recorded.number}").get_data(as_text=True)

    assert f'<audio controls preload="none" src="{_url(recorded)}">' in page
    assert f'<a href="{_url(recorded)}" download>' in page
    assert "(21 s)" in page
    assert "api.twilio.com" not in page and RECORDING_SID not in page
