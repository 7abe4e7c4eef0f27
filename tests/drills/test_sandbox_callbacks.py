"""The demo's Twilio credentials are public, so its fake REST API must not be a way to make
the server post to any address: status callbacks go only to the app's own origin."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from intake.config import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN, Settings
from sandbox.twilio.store import SandboxStore
from tests.support.twilio import PUBLIC_BASE_URL

API = f"/sandbox/twilio/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}"
ELSEWHERE = (
    "http://169.254.169.254/latest/meta-data/",
    "http://127.0.0.1:5432/",
    "https://intake.example.com.attacker.example/hook",
    "https://attacker.example/?https://intake.example.com/",
)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Demo mode: create_app mounts the sandbox."""
    return settings.with_overrides(sandbox=True)


@pytest.fixture
def posted(store: SandboxStore) -> list[str]:
    """Every URL the sandbox really posted a callback to (delivery on, no delay)."""
    urls: list[str] = []
    store.deliver_callbacks = True
    store.transport = lambda url, params, headers: urls.append(url) or 204
    return urls


def _send(client: FlaskClient, url: str) -> int:
    answer = client.post(
        f"{API}/Messages.json",
        data={
            "To": "+13365550101",
            "From": "+13368991911",
            "Body": "x",
            "StatusCallback": url,
        },
        auth=(SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN),
    )
    return answer.status_code


@pytest.mark.parametrize("callback", ELSEWHERE)
def test_a_callback_elsewhere_is_never_posted(
    client: FlaskClient, store: SandboxStore, posted: list[str], callback: str
) -> None:
    assert _send(client, callback) == 201
    store.join()
    assert posted == []
    assert [a.url for a in store.callbacks] == [callback, callback]
    assert all(a.error and a.error.startswith("refused") for a in store.callbacks)


def test_a_callback_on_the_apps_own_origin_is_posted(
    client: FlaskClient, store: SandboxStore, posted: list[str]
) -> None:
    hook = f"{PUBLIC_BASE_URL}/twilio/sms/status"
    assert _send(client, hook) == 201
    store.join()
    assert posted == [hook, hook]
