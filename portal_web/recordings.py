"""A caller's recorded message, served by us: the portal's and the console's routes stream
it from the provider (ticketing/recordings.py says which recordings qualify), so no page,
text or download ever carries the provider's address or needs its credentials.

Who may listen is the route's business (its blueprint's access check); this module only
streams, and turns the provider's failures into a 404, 502 or 504 page instead of a 500.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from flask import Response, abort, request, url_for

from portal_web import context
from ticketing.calls.intake import further_recordings
from ticketing.models import Ticket
from ticketing.recordings import (
    RecordingMissing,
    RecordingRef,
    RecordingTimeout,
    RecordingUnavailable,
    recording_ref,
)

log = logging.getLogger(__name__)

# One byte range, as <audio> asks when it seeks; anything else gets the whole file.
_ONE_RANGE = re.compile(r"bytes=\d*-\d*")
EXTENSIONS = {"audio/mpeg": "mp3"}


def player_src(ticket: Ticket, endpoint: str) -> str | None:
    """Our URL for the ticket's message (`endpoint`: the page's own route), or None when
    it has no recording we can serve."""
    if recording_ref(ticket.recording_url) is None:
        return None
    return url_for(endpoint, number=ticket.number)


@dataclass(frozen=True)
class Player:
    """A further message of the ticket's call, as the page plays it."""

    src: str
    duration: int | None


def further_players(ticket: Ticket, endpoint: str) -> list[Player]:
    """Our URLs for the messages the call recorded after the first (`?message=2`, …)."""
    return [
        Player(url_for(endpoint, number=ticket.number, message=index), further.duration)
        for index, further in enumerate(further_recordings(context.db(), ticket.id), start=2)
        if recording_ref(further.url) is not None
    ]


def _asked_url(ticket: Ticket) -> tuple[str | None, int]:
    """The stored address of the message `?message=N` asks for (the first by default)."""
    asked = request.args.get("message", "1")
    if not asked.isdigit() or not 1 <= int(asked) <= 1000:
        abort(404)
    index = int(asked)
    if index == 1:
        return ticket.recording_url, 1
    further = further_recordings(context.db(), ticket.id)
    if index - 2 >= len(further):
        abort(404)
    return further[index - 2].url, index


def _fetch_or_abort(ticket: Ticket, ref: RecordingRef, byte_range: str | None) -> Response:
    try:
        audio = context.recordings().fetch(ref, byte_range=byte_range)
    except RecordingMissing as missing:
        log.info("ticket %s: recording not found: %s", ticket.number, missing)
        abort(404)
    except RecordingTimeout as late:
        log.warning("ticket %s: recording timed out: %s", ticket.number, late)
        abort(504)
    except RecordingUnavailable as failed:
        log.warning("ticket %s: recording unavailable: %s", ticket.number, failed)
        abort(502)
    response = Response(audio.chunks, status=audio.status, content_type=audio.content_type)
    response.direct_passthrough = True
    if audio.close is not None:
        response.call_on_close(audio.close)
    response.headers.update(audio.headers)
    return response


def serve(ticket: Ticket) -> Response:
    """Stream the ticket's recorded message, or the further one `?message=N` names (a byte
    range when the player seeks)."""
    url, index = _asked_url(ticket)
    ref = recording_ref(url)
    if ref is None:
        # Anything but Twilio's own recording address is never fetched (it came in a
        # webhook parameter): for the reader, the message simply is not there.
        abort(404)
    asked = request.headers.get("Range", "").strip()
    response = _fetch_or_abort(ticket, ref, asked if _ONE_RANGE.fullmatch(asked) else None)
    extension = EXTENSIONS.get(response.mimetype or "", "wav")
    suffix = f"-{index}" if index > 1 else ""
    response.headers["Content-Disposition"] = (
        f'inline; filename="ticket-{ticket.number}-message{suffix}.{extension}"'
    )
    # A shared computer must not keep a client's message after its reader logs out.
    response.headers["Cache-Control"] = "no-store"
    return response
