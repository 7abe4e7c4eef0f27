"""The environment of a production instance (not the demo), for tests of its settings."""

from __future__ import annotations

from pathlib import Path


def production_env(instance: Path, **values: str) -> dict[str, str]:
    """The least a production instance starts with, plus `values`."""
    return {
        "INTAKE_INSTANCE_PATH": str(instance),
        "SECRET_KEY": "k" * 32,
        "TWILIO_AUTH_TOKEN": "a-real-auth-token",
        **values,
    }
