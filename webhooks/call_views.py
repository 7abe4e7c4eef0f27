"""What both ways of answering a call give the IVR: the firm's words and the live transfer."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ivr import flow
from ivr.transfer import Transfer
from webhooks.params import WebhookSettings


def with_firm(view: flow.CallView, settings: WebhookSettings) -> flow.CallView:
    """The view with what the firm says in every call: its hours and what an emergency is."""
    return replace(view, **_firm_words(settings))


def firm_view(settings: WebhookSettings, **call: Any) -> flow.CallView:
    """A new call's view (`call`: CallView's fields) with what the firm says in every call."""
    return flow.CallView(firm_name=settings.firm_name, **_firm_words(settings), **call)


def _firm_words(settings: WebhookSettings) -> dict[str, str]:
    return {
        "hours": settings.firm.hours,
        "emergency_definition": settings.emergency_definition,
    }


def live_transfer(
    settings: WebhookSettings, call_sid: str, technician_id: int, phone: str
) -> Transfer:
    """Ring this technician for this call, from the firm's voice number, for as long as set."""
    return Transfer(
        call_sid,
        technician_id,
        phone,
        settings.twilio_voice_number,
        settings.live_transfer_seconds,
    )
