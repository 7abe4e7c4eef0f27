"""Test helper: send twilio-python's HTTP requests into the app's sandbox blueprint."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import responses
from flask.testing import FlaskClient
from requests import PreparedRequest


@contextmanager
def routed_to_app(client: FlaskClient, base_url: str) -> Iterator[responses.RequestsMock]:
    """Every GET/POST under `base_url` is answered by the app's test client, as a running
    demo would answer it."""

    def forward(request: PreparedRequest) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(request.url)
        answer = client.open(
            parts.path,
            method=request.method,
            query_string=parts.query,
            data=request.body,
            headers=dict(request.headers),
        )
        return answer.status_code, {"Content-Type": answer.content_type}, answer.get_data()

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        pattern = re.compile(re.escape(base_url) + ".*")
        for method in (responses.GET, responses.POST):
            mock.add_callback(method, pattern, forward)
        yield mock
