"""Calls kept in the local spool while the database was unreachable, as the fallback
webhooks write them (ticketing/calls/spool.py)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from ticketing.calls.spool import SpoolEntry, append_entry


def spool_call(path: Path, call_sid: str, caller: str, at: datetime) -> None:
    """Append one call and the message its caller left, each keyed like its webhook."""
    append_entry(path, SpoolEntry(f"{call_sid}-ring", "call", at, call_sid, from_raw=caller))
    append_entry(
        path,
        SpoolEntry(
            f"{call_sid}-message",
            "message",
            at,
            call_sid,
            from_raw=caller,
            recording_url=f"https://api.twilio.com/Recordings/RE{call_sid[2:]}",
            recording_sid=f"RE{call_sid[2:]}",
            recording_duration=12,
        ),
    )
