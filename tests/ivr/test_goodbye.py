"""The goodbye: the ticket number, then what happens next, each said once."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from ivr.flow import CallView, goodbye


def _said(view: CallView) -> str:
    root = ET.fromstring(str(goodbye(view)))
    return " ".join(say.text or "" for say in root.iter("Say"))


def _view(service_class: str, callback: str | None = "+13365550123") -> CallView:
    return CallView(
        firm_name="Firm",
        service_class=service_class,
        in_business_hours=False,
        callback_number=callback,
        ticket_number=1042,
        hours="Monday to Friday, 8 AM to 5 PM",
    )


@pytest.mark.parametrize("service_class", ["emergency", "help_desk", "professional_service"])
def test_the_callback_promise_is_made_once(service_class) -> None:
    words = _said(_view(service_class))
    assert len(re.findall(r"\b(call|contact) you\b", words)) == 1, words
    assert "3 3 6, 5 5 5, 0 1 2 3" in words


def test_the_help_desk_calls_back_in_business_hours_at_the_number() -> None:
    words = _said(_view("help_desk"))
    assert "The help desk will call you back at 3 3 6, 5 5 5, 0 1 2 3 in business hours." in words


def test_without_a_callback_number_the_promise_still_reads() -> None:
    assert "The help desk will call you back in business hours." in _said(
        _view("help_desk", callback=None)
    )
    assert "to schedule it." in _said(_view("professional_service", callback=None))
