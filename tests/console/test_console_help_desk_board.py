"""The board's live help desk: each waiting caller with their wait, the estimate counting
the technicians on the help desk and who is being offered them; the sessions under way."""

from __future__ import annotations

from datetime import timedelta

from tests.support.logins import as_staff
from tests.support.pages import html_of
from tests.support.tickets import help_desk_caller
from ticketing.calls.models import Offer, OfferState
from ticketing.people.availability import make_available, start_session


def two_waiting(session, directory, clock):
    """The bakery's caller waiting 4 minutes, the diner's 30 seconds."""
    first = help_desk_caller(
        session,
        directory["bakery"].id,
        "+13365550123",
        "CA" + "1" * 32,
        clock() - timedelta(minutes=4),
    )
    second = help_desk_caller(
        session,
        directory["diner"].id,
        "+13365550167",
        "CA" + "2" * 32,
        clock() - timedelta(seconds=30),
    )
    return first, second


def queue_panel(html: str) -> str:
    return html[html.index('id="queue-h"') : html.index('id="sessions-h"')]


def test_the_queue_shows_who_is_being_offered_each_caller(
    client, session, directory, clock
) -> None:
    first, _ = two_waiting(session, directory, clock)
    dana = directory["dana"]
    session.add(
        Offer(
            entry_id=first.id,
            technician_id=dana.id,
            state=OfferState.RINGING,
            ringing_entry_id=first.id,
            ringing_technician_id=dana.id,
        )
    )
    session.commit()
    as_staff(client, session)
    panel = queue_panel(html_of(client.get("/console/board/panels")))
    assert "Offered to" in panel and "Dana Whitfield (ringing)" in panel
    assert panel.count("(ringing)") == 1


def test_the_estimates_count_the_technicians_on_the_help_desk(
    client, session, directory, clock
) -> None:
    two_waiting(session, directory, clock)
    make_available(directory["luis"], now=clock())
    start_session(directory["priya"], now=clock())  # in a session: still on the help desk
    session.commit()
    as_staff(client, session)
    panel = queue_panel(html_of(client.get("/console/")))
    # Two technicians, Luis free: he is rung for the first caller now, and the second waits
    # out one session of the two working side by side (10 minutes without history).
    assert "20 min" not in panel and panel.count("10 min") == 1
    assert '<td class="num">now</td>' in panel


def test_sessions_under_way_show_the_technician_and_the_cap(
    client, session, directory, clock
) -> None:
    entry = help_desk_caller(
        session,
        directory["bakery"].id,
        "+13365550123",
        "CA" + "1" * 32,
        clock() - timedelta(minutes=20),
    )
    entry.outcome, entry.left_at, entry.wait_seconds = (
        "answered",
        clock() - timedelta(minutes=12),
        480,
    )
    entry.technician_id, entry.capped = directory["dana"].id, True
    session.commit()
    as_staff(client, session)
    html = html_of(client.get("/console/board/panels"))
    sessions = html[html.index('id="sessions-h"') : html.index('id="requests-h"')]
    assert "(1 under way)" in sessions
    assert f"#{entry.ticket.number}" in sessions and "Blue Ridge Bakery" in sessions
    assert "Dana Whitfield" in sessions and "8 min" in sessions and "12 min" in sessions
    assert "30 min (others waiting)" in sessions
    assert "Nobody is waiting." in html  # the caller left the queue for the session

    entry.session_ended_at = clock()
    session.commit()
    assert "No session under way." in html_of(client.get("/console/board/panels"))
