"""Fixtures of the intake tests."""

from __future__ import annotations

import pytest
from flask import Flask

from sandbox.twilio.store import SandboxStore


@pytest.fixture
def store(app: Flask) -> SandboxStore:
    """The sandbox store of an app in demo mode (a module's `settings` turn sandbox on), with
    callbacks off unless a test turns them on."""
    sandbox: SandboxStore = app.extensions["sandbox"]
    sandbox.deliver_callbacks = False
    sandbox.callback_delay = 0
    return sandbox
