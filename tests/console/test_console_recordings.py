"""The caller's recorded message in the console: staff play and download it from our route
(the one a technician's page links to); client people and strangers never reach it."""

from __future__ import annotations

import pytest

from tests.support.logins import as_client_user, as_staff
from tests.support.recordings import AUDIO, RECORDING_SID, fake_recordings, twilio_recording_url
from tests.support.tickets import add_ticket
from ticketing.models import Ticket
from ticketing.recordings import RecordingTimeout


@pytest.fixture
def recorded(session, directory) -> Ticket:
    """A diner emergency whose caller left a 9-second message."""
    ticket = add_ticket(session, directory["diner"])
    ticket.recording_url = twilio_recording_url()
    ticket.recording_duration = 9
    session.commit()
    return ticket


def _url(ticket: Ticket) -> str:
    return f"/console/tickets/{ticket.number}/recording"


def test_staff_play_any_clients_message(app, client, session, recorded) -> None:
    source = fake_recordings(app)
    as_staff(client, session)

    answer = client.get(_url(recorded))

    assert answer.status_code == 200
    assert answer.data == AUDIO
    assert answer.mimetype == "audio/mpeg"
    assert answer.headers["Cache-Control"] == "no-store"
    [(ref, _range)] = source.fetched
    assert ref.recording_sid == RECORDING_SID


def test_the_ticket_page_has_a_player_and_a_download_of_our_route(
    app, client, session, recorded
) -> None:
    source = fake_recordings(app)
    as_staff(client, session)

    page = client.get(f"/console/tickets/{recorded.number}").get_data(as_text=True)

    assert f'<audio controls preload="none" src="{_url(recorded)}">' in page
    assert f'<a href="{_url(recorded)}" download>' in page
    assert "(9 s)" in page
    assert "twilio" not in page.lower() and RECORDING_SID not in page
    assert source.fetched == []  # the page itself fetches nothing: the player does


def test_a_ticket_without_a_message_has_no_player_and_no_audio(
    app, client, session, directory
) -> None:
    ticket = add_ticket(session, directory["diner"])
    session.commit()
    as_staff(client, session)

    assert "<audio" not in client.get(f"/console/tickets/{ticket.number}").get_data(as_text=True)
    assert client.get(_url(ticket)).status_code == 404


@pytest.mark.parametrize("company", ["diner", "bakery"])
def test_client_people_get_the_consoles_404(
    app, client, session, directory, recorded, company
) -> None:
    source = fake_recordings(app)
    as_client_user(client, session, directory[company])

    assert client.get(_url(recorded)).status_code == 404
    assert source.fetched == []


def test_a_technician_following_the_page_link_logs_in_first(app, client, recorded) -> None:
    source = fake_recordings(app)

    answer = client.get(_url(recorded))

    assert answer.status_code == 302
    assert "/login" in answer.location and "next=" in answer.location
    assert source.fetched == []


def test_a_provider_timeout_is_a_504_page(app, client, session, recorded) -> None:
    fake_recordings(app, failure=RecordingTimeout("no answer in time"))
    as_staff(client, session)

    answer = client.get(_url(recorded))

    assert answer.status_code == 504
    assert "took too long" in answer.get_data(as_text=True)
    assert "Back to the console" in answer.get_data(as_text=True)
