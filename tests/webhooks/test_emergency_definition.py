"""After hours, before "emergency rates apply", the caller hears in one sentence what
counts as an emergency: the firm's definition, from EMERGENCY_DEFINITION."""

from __future__ import annotations

import pytest

from intake.config import DEFAULT_EMERGENCY_DEFINITION, load_settings
from tests.support.twilio import twiml


def _sentences(response) -> list[str]:
    return [(say.text or "").strip() for say in twiml(response).iter("Say")]


def test_an_after_hours_caller_hears_the_definition_before_the_rates(phone, directory) -> None:
    heard = _sentences(phone("+13365550123").ring())

    rates = heard.index("Emergency rates apply to this call.")
    assert heard[rates - 1] == DEFAULT_EMERGENCY_DEFINITION
    assert DEFAULT_EMERGENCY_DEFINITION.count(". ") == 0  # one sentence
    assert "revenue" in DEFAULT_EMERGENCY_DEFINITION


class TestTheFirmsOwnWords:
    @pytest.fixture
    def settings(self, settings):
        """The firm's definition in its own words."""
        return settings.with_overrides(
            emergency_definition="An emergency is a system down that stops your business."
        )

    def test_the_setting_is_what_is_said(self, phone, directory) -> None:
        heard = _sentences(phone("+13365550123").ring())

        assert "An emergency is a system down that stops your business." in heard


def test_the_setting_is_read_and_none_turns_it_off(tmp_path) -> None:
    env = {"INTAKE_INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "k" * 32}
    env["TWILIO_AUTH_TOKEN"] = "a-real-auth-token"

    assert load_settings(env).emergency_definition == DEFAULT_EMERGENCY_DEFINITION
    said = load_settings({**env, "EMERGENCY_DEFINITION": "  Down is down.  "})
    assert said.emergency_definition == "Down is down."
    assert load_settings({**env, "EMERGENCY_DEFINITION": "none"}).emergency_definition == ""
