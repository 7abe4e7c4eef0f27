"""The local spool: calls and messages taken while the database was unreachable.

A JSON-lines file under the instance path. The webhooks append to it (one line per
Twilio request, under an exclusive lock, fsynced before Twilio hears "your message has
reached us"); the web processes of the same host and its scheduler's sweep
(ticketing/calls/spool_replay.py) turn each line into a ticket once the database is back, and
empty the file when every line is in the database. The file is truncated, never deleted or
renamed, so a writer that opened it while a replayer held the lock still appends to the file
the replayer reads next.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

log = logging.getLogger(__name__)

KINDS = ("call", "message", "transcription")
FILE_NAME = "voice-messages.jsonl"


def spool_file(instance_path: Path) -> Path:
    """Where the spool of an instance lives."""
    return Path(instance_path) / "spool" / FILE_NAME


def holds_entries(path: Path) -> bool:
    """Whether the file holds anything (one stat: an idle web process asks every few seconds)."""
    try:
        return path.stat().st_size > 0
    except FileNotFoundError:
        return False


@contextmanager
def replay_turn(path: Path) -> Iterator[bool]:
    """Whether this process may replay `path` now: True while it holds an exclusive lock on a
    file beside the spool (until the block ends, so across the replay's commit), False at once
    when another replayer of this host holds it."""
    # Not the spool's own lock: writers take that one while a caller waits, and a replay
    # holds its turn across database work.
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path.with_suffix(".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
        else:
            yield True
    finally:
        os.close(fd)  # also releases the lock


@dataclass(frozen=True)
class SpoolEntry:
    """One Twilio request kept while the database was unreachable.

    `kind`: "call" (the call reached us), "message" (its recording) or "transcription".
    `key` identifies the request (a retry of it has the same key).
    """

    key: str
    kind: str
    received_at: datetime
    call_sid: str
    from_raw: str = ""
    to_number: str = ""
    recording_url: str = ""
    recording_sid: str = ""
    recording_duration: int | None = None
    transcription_text: str = ""
    transcription_status: str = ""
    # What went wrong, as a clause ("the database was unreachable"); "" in older spools.
    reason: str = ""

    def to_line(self) -> bytes:
        """The entry as one line of the file."""
        data = asdict(self)
        data["received_at"] = self.received_at.astimezone(UTC).isoformat()
        return (json.dumps(data, ensure_ascii=True, separators=(",", ":")) + "\n").encode()

    @classmethod
    def from_line(cls, line: bytes) -> SpoolEntry:
        """Read one line back; ValueError (or KeyError/TypeError) when it is not an entry."""
        data = json.loads(line)
        data["received_at"] = datetime.fromisoformat(data["received_at"])
        entry = cls(**data)
        if entry.kind not in KINDS or not entry.call_sid or not entry.key:
            raise ValueError(f"not a spool entry: {line[:80]!r}")
        return entry


def append_entry(path: Path, entry: SpoolEntry) -> None:
    """Append one entry durably (fsync) under an exclusive lock; raises OSError on failure."""
    created = not path.exists()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        # A writer killed mid-line left no newline: start on a fresh line, or both are lost.
        size = os.fstat(fd).st_size
        prefix = b"\n" if size and os.pread(fd, 1, size - 1) != b"\n" else b""
        _write_all(fd, prefix + entry.to_line())
        os.fsync(fd)
    finally:
        os.close(fd)  # also releases the lock
    if created:
        _fsync_directory(path.parent)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _fsync_directory(directory: Path) -> None:
    # The new file's name must survive a crash as well as its contents.
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass(frozen=True)
class SpoolContents:
    """What the file held when read: its entries, unreadable lines, and its size then."""

    entries: list[SpoolEntry]
    unreadable: list[bytes]
    size: int


def read_entries(path: Path) -> SpoolContents:
    """Every entry in the file, oldest first (an absent file is an empty spool)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return SpoolContents([], [], 0)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
        with os.fdopen(os.dup(fd), "rb") as stream:
            raw = stream.read()
    finally:
        os.close(fd)
    entries, unreadable = [], []
    for line in raw.splitlines():
        if not line.strip():
            continue
        try:
            entries.append(SpoolEntry.from_line(line))
        except (ValueError, KeyError, TypeError):
            unreadable.append(line)
    return SpoolContents(entries, unreadable, len(raw))


def empty_if_unchanged(path: Path, seen: SpoolContents, set_aside: Sequence[bytes] = ()) -> bool:
    """Truncate the file if nothing was appended since `seen` was read; True when emptied.

    Unreadable lines and the `set_aside` ones are copied to a `.rejected` file beside it
    first, so that nothing a caller left is thrown away unseen.
    """
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        if os.fstat(fd).st_size != seen.size:
            return False
        rejects = [*seen.unreadable, *set_aside]
        if rejects:
            log.error("spool: %d line(s) moved to %s", len(rejects), path.with_suffix(".rejected"))
            with open(path.with_suffix(".rejected"), "ab") as rejected:
                rejected.write(b"".join(line + b"\n" for line in rejects))
                rejected.flush()
                os.fsync(rejected.fileno())
        os.ftruncate(fd, 0)
        os.fsync(fd)
        return True
    finally:
        os.close(fd)
