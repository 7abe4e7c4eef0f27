"""Help-desk callers in the queue, as Twilio drives them: choosing the help desk, and
Twilio fetching the wait URL for them."""

from __future__ import annotations

from typing import Any

WAIT = "/twilio/voice/queue/wait"


def queued(phone: Any, number: str) -> Any:
    """A business-hours call that chose the help desk (key 2) and now waits in the queue."""
    call = phone(number)
    call.ring()
    call.post("/twilio/voice/menu/1", Digits="2")
    return call


def wait_at(call: Any, position: int, queue_time: int = 60) -> Any:
    """Twilio fetching the wait URL for this caller at `position`."""
    return call.post(
        WAIT,
        QueuePosition=str(position),
        QueueTime=str(queue_time),
        AvgQueueTime="60",
        CurrentQueueSize=str(position),
        QueueSid="QU" + "1" * 32,
    )
