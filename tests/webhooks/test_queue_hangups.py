"""A caller whose call ended while waiting in the help-desk queue leaves it, even when the
Enqueue action never says so: no ghost callers in line, in the busy-queue cap or the gauge."""

from __future__ import annotations

import pytest

from tests.webhooks.test_helpdesk_queue import entry_of, queued, timeline
from ticketing.calls import helpdesk
from ticketing.calls.models import QueueOutcome

pytestmark = pytest.mark.usefixtures("tuesday_morning")
CALLERS = ("+13365550123", "+13365550167", "+13365550188")


def hangs_up(call) -> None:
    """Twilio's status callback for the caller's call, and nothing else."""
    assert (
        call.post("/twilio/voice/status", CallStatus="completed", CallDuration="95").status_code
        == 204
    )


def test_a_caller_who_hung_up_in_line_leaves_the_queue(phone, session, directory) -> None:
    first, second, third = (queued(phone, number) for number in CALLERS)
    assert helpdesk.session_capped(session, busy_queue=3) is True
    hangs_up(second)
    entry = entry_of(session, second)
    assert entry.outcome == QueueOutcome.HUNG_UP and entry.left_at is not None
    assert any(line.startswith("Hung up after") for line in timeline(session, entry.ticket_id))
    assert [e.call_sid for e in helpdesk.waiting(session)] == [
        first.base["CallSid"],
        third.base["CallSid"],
    ]
    # Two left in line: the next session is not capped at 30 minutes.
    assert helpdesk.session_capped(session, busy_queue=3) is False


def test_the_queue_gauge_counts_no_ghosts(client, phone, session, directory) -> None:
    calls = [queued(phone, number) for number in CALLERS]
    hangs_up(calls[0])
    metrics = client.get("/metrics").get_data(as_text=True)
    assert "intake_helpdesk_queue_length 2.0" in metrics


def test_the_late_enqueue_action_changes_nothing(phone, session, directory) -> None:
    call = queued(phone)
    hangs_up(call)
    call.post("/twilio/voice/queue/done", QueueResult="hangup", QueueTime="80")
    entry = entry_of(session, call)
    assert entry.outcome == QueueOutcome.HUNG_UP
    hung_up = [line for line in timeline(session, entry.ticket_id) if "Hung up" in line]
    assert len(hung_up) == 1


def test_a_caller_called_back_keeps_their_place(phone, session, directory) -> None:
    call = queued(phone)
    entry = entry_of(session, call)
    entry.callback_number = "+13365550123"
    session.commit()
    hangs_up(call)
    assert entry_of(session, call).outcome is None
