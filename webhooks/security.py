"""The one signature check every Twilio route goes through (no setting turns it off)."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Request, abort
from twilio.request_validator import RequestValidator

from webhooks import drill_marker, params

log = logging.getLogger(__name__)


def public_url(req: Request, base_url: str) -> str:
    """The URL Twilio called: PUBLIC_BASE_URL + path (+ query string exactly as received).

    Behind a TLS-terminating proxy `request.url` says http://, so it is never used.
    """
    url = base_url.rstrip("/") + req.path
    query = req.query_string.decode("latin-1")
    return f"{url}?{query}" if query else url


def signature_valid(req: Request, base_url: str, tokens: tuple[str, ...]) -> bool:
    """True when X-Twilio-Signature matches the request under any accepted auth token."""
    signature = req.headers.get("X-Twilio-Signature", "")
    if not signature:
        return False
    url = public_url(req, base_url)
    # Every value of each name: repeated keys count, as Twilio signs them.
    params = _Lists(req.form.lists())
    for token in tokens:
        validator = RequestValidator(token)
        try:
            # The URL exactly as configured first (one HMAC): `validate` also tries it with
            # and without a port, two HMACs and a URL parse on every webhook.
            if b"bodySHA256" not in req.query_string and hmac.compare_digest(
                validator.compute_signature(url, params), signature
            ):
                return True
            if validator.validate(url, params, signature):
                return True
        except (TypeError, ValueError):
            # Some twilio-python versions raise on odd input: that is a bad signature.
            return False
    return False


class _Lists(dict[str, list[str]]):
    """The form as RequestValidator reads a multi-valued mapping (`getall`): given a
    MultiDict it looks for `getall`, fails, and raises and catches once per name."""

    getall = dict.__getitem__


def twilio_signed(view: Callable[..., Any]) -> Callable[..., Any]:
    """Refuse (403) any request not signed by Twilio for exactly this URL, or carrying a
    drill marker that does not verify (webhooks/drill_marker.py)."""

    @wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        settings, req = params.settings(), params.this_request()
        if not signature_valid(req, settings.public_base_url, settings.auth_tokens):
            log.warning("refused unsigned or forged Twilio request to %s", req.path)
            abort(403)
        try:
            drill_marker.remember(drill_marker.verify(req, settings.auth_tokens, params.now))
        except drill_marker.ForgedMarker as exc:
            log.warning("refused a drill marker on %s: %s", req.path, exc)
            abort(403)
        return view(*args, **kwargs)

    return checked
