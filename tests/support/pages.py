"""Reading the pages the app answers with."""

from __future__ import annotations

from werkzeug.test import TestResponse


def html_of(response: TestResponse, *statuses: int) -> str:
    """The body of a response whose status is one of `statuses` (200 by default)."""
    wanted = statuses or (200,)
    body = response.get_data(as_text=True)
    assert response.status_code in wanted, f"{response.status_code}: {body[:3000]}"
    return body
