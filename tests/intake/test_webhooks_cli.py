"""`intake webhooks add|list|remove`: the secret is shown once, the trail records the
endpoint without it, and a bad address is refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cli import Intake, failed
from ticketing.audit.models import AuditEntry
from ticketing.integrations.models import WebhookEndpoint

HOOK = "https://psa.example.com/hooks/intake"


@pytest.fixture
def intake(tmp_path: Path) -> Iterator[Intake]:
    """`intake(...)` on a fresh database."""
    runner = Intake(tmp_path)
    yield runner
    runner.close()


def test_add_shows_the_secret_once_and_list_never(intake: Intake) -> None:
    added = intake.ok("webhooks", "add", HOOK)

    [endpoint] = intake.rows(WebhookEndpoint)
    assert endpoint.secret in added and endpoint.secret.startswith("whsec_")
    assert "ticket.acknowledged" in added
    listed = intake.ok("webhooks", "list")
    assert HOOK in listed and endpoint.secret not in listed
    [entry] = intake.rows(AuditEntry)
    assert (entry.action, entry.subject_type, entry.subject_label) == (
        "created",
        "webhook endpoint",
        HOOK,
    )
    assert entry.after is not None and entry.after["secret"] == "(hidden)"


def test_remove_stops_it_and_a_second_remove_is_refused(intake: Intake) -> None:
    intake.ok("webhooks", "add", HOOK)
    [endpoint] = intake.rows(WebhookEndpoint)

    assert "removed" in intake.ok("webhooks", "remove", str(endpoint.id))

    assert "no webhook endpoints" in intake.ok("webhooks", "list")
    failed(intake("webhooks", "remove", str(endpoint.id)), "no webhook endpoint")


def test_a_bad_address_is_refused_and_nothing_saved(intake: Intake) -> None:
    failed(intake("webhooks", "add", "psa.example.com"), "not a web address")
    assert intake.count(WebhookEndpoint) == 0
