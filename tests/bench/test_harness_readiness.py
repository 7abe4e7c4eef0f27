"""The harness counts a web process as started once /healthz answers, even degraded: the
benchmarks start the scheduler after the web, so its heartbeat is missing at first."""

from __future__ import annotations

import io
import json
import urllib.error

from bench.harness import _serving


def _error(code: int, body: object) -> urllib.error.HTTPError:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return urllib.error.HTTPError("http://127.0.0.1/healthz", code, "", {}, io.BytesIO(raw))  # type: ignore[arg-type]


def test_degraded_with_a_reachable_database_is_serving():
    body = {"status": "degraded", "checks": {"database": {"ok": True}, "scheduler": {"ok": False}}}
    assert _serving(_error(503, body))


def test_an_unreachable_database_is_not_serving():
    assert not _serving(_error(503, {"status": "degraded", "checks": {"database": {"ok": False}}}))


def test_a_proxy_error_page_is_not_serving():
    assert not _serving(_error(503, b"<html>Service Unavailable</html>"))
    assert not _serving(_error(502, {"checks": {"database": {"ok": True}}}))
