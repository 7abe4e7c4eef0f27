"""The sandbox's Twilio account: its SID and auth token, also the settings' defaults."""

from __future__ import annotations

SANDBOX_ACCOUNT_SID = "AC" + "5a" * 16
# Public on purpose: it signs only what the sandbox and the demo exchange.
SANDBOX_AUTH_TOKEN = "sandbox-auth-token-not-secret"
