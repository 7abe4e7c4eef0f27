"""The drill marker: the one way a call may pretend to be made at another moment on a real
instance (`intake drill call`).

A drill call is posted like Twilio's (signed with the instance's auth token) and carries
two more headers: `X-Intake-Drill`, what the drill pretends (the local moment, and the one
number to page, if any, and when it was issued), and `X-Intake-Drill-Signature`, an
HMAC-SHA256 of that value and the call's CallSid under the same auth token. Twilio never
sends them; a marker that does not verify, names another call or is stale is refused with
a 403 before the request does anything.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode

from flask import Request, g

DRILL_HEADER = "X-Intake-Drill"
SIGNATURE_HEADER = "X-Intake-Drill-Signature"
MOMENT_FORMAT = "%Y-%m-%d %H:%M"
# A drill call takes a few minutes; a marker older than this is a replay, not a drill.
MAX_AGE = timedelta(minutes=15)
# The drill's host and the instance's clocks may disagree a little.
MAX_SKEW = timedelta(minutes=2)
# Keeps a drill signature from ever being mistaken for (or reused as) another HMAC.
_CONTEXT = b"intake-drill-v1"


class ForgedMarker(ValueError):
    """A drill marker that does not verify, is malformed or is stale."""


@dataclass(frozen=True)
class DrillMarker:
    """What a verified drill call pretends: its local moment, and who alone is paged."""

    at: datetime  # naive, local to the business
    page_to: str | None
    issued: datetime

    @property
    def value(self) -> str:
        """The header's value (what the signature covers, with the CallSid)."""
        fields = {
            "at": self.at.strftime(MOMENT_FORMAT),
            "issued": str(int(self.issued.timestamp())),
        }
        if self.page_to:
            fields["page"] = self.page_to
        return urlencode(fields)


def _signature(token: str, call_sid: str, value: str) -> str:
    message = b"\n".join((_CONTEXT, call_sid.encode(), value.encode()))
    digest = hmac.new(token.encode(), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def drill_headers(token: str, call_sid: str, marker: DrillMarker) -> dict[str, str]:
    """The two headers that mark a request of call `call_sid` as this drill."""
    value = marker.value
    return {DRILL_HEADER: value, SIGNATURE_HEADER: _signature(token, call_sid, value)}


def _parse(value: str) -> DrillMarker:
    try:
        fields = dict(parse_qsl(value, strict_parsing=True))
        at = datetime.strptime(fields["at"], MOMENT_FORMAT)
        issued = datetime.fromtimestamp(int(fields["issued"]), UTC)
    except (KeyError, ValueError, OverflowError, OSError) as exc:
        raise ForgedMarker(f"malformed drill marker: {exc}") from None
    # Year 9999 would overflow on the way to UTC; a drill needs no other century.
    if not 2000 <= at.year <= 2099:
        raise ForgedMarker("a drill moment outside 2000-2099")
    page_to = fields.get("page") or None
    if page_to is not None and not (page_to.startswith("+") and page_to[1:].isdigit()):
        raise ForgedMarker("a drill page number that is not E.164")
    return DrillMarker(at=at, page_to=page_to, issued=issued)


def verify(
    req: Request, tokens: tuple[str, ...], clock: Callable[[], datetime]
) -> DrillMarker | None:
    """The request's drill marker, verified (None when it carries none); ForgedMarker when
    it carries one that is unsigned, wrongly signed, malformed or stale by `clock`'s time."""
    value = req.headers.get(DRILL_HEADER)
    signature = req.headers.get(SIGNATURE_HEADER, "")
    if value is None:
        if signature:
            raise ForgedMarker("a drill signature without a marker")
        return None
    call_sid = req.form.get("CallSid", "")
    if not call_sid or not signature:
        raise ForgedMarker("an unsigned drill marker")
    if not any(hmac.compare_digest(_signature(t, call_sid, value), signature) for t in tokens):
        raise ForgedMarker("a drill marker with a wrong signature")
    marker = _parse(value)
    now = clock()  # only for a marker: nearly every request carries none
    if not now - MAX_AGE <= marker.issued <= now + MAX_SKEW:
        raise ForgedMarker("a stale drill marker")
    return marker


def remember(marker: DrillMarker | None) -> None:
    """Keep the request's verified marker for its view."""
    g.drill_marker = marker


def verified() -> DrillMarker | None:
    """This request's verified drill marker, if it carries one."""
    return g.get("drill_marker")
