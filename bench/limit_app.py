"""The physical limit: a minimal Flask app under the Procfile's gunicorn command line.

It answers POST /twilio/voice with a TwiML document of a given size (the size of the
service's real answer) after reading the form, and touches no database: what is left is
HTTP parsing, Flask's routing and gunicorn's workers, which every webhook pays as well.
The service's figures are reported as a ratio to this app's, measured in the same run.

A second route, POST /twilio/voice/floor (PostgreSQL only), adds the least a webhook that
records a call can do: one INSERT and one COMMIT on a connection kept per thread. It shows
how much of the limit is left once a webhook writes anything durable at all.
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from flask import Flask, Response, request

from bench.harness import ROOT, Stack, _wait_http, free_port, procfile_command

SERVICE_APP = "intake.wsgi:app"
LIMIT_APP = "bench.limit_app:app"
SIZE_VARIABLE = "BENCH_LIMIT_BYTES"
FLOOR_VARIABLE = "BENCH_FLOOR_DATABASE_URL"
FLOOR_PATH = "/twilio/voice/floor"
FLOOR_TABLE = "bench_floor"
HEAD = '<?xml version="1.0" encoding="UTF-8"?><Response><Say language="en-US">'
TAIL = "</Say></Response>"


def twiml_of_size(size: int) -> bytes:
    """A valid TwiML document of exactly `size` bytes (or the smallest one, if larger)."""
    filler = max(0, size - len(HEAD) - len(TAIL))
    words = ("Thank you for calling. " * (filler // 23 + 1))[:filler]
    return (HEAD + words + TAIL).encode()


def create_limit_app(size: int, floor_url: str | None = None) -> Flask:
    """The limit app: reads the posted form and returns `size` bytes of TwiML (and, with
    `floor_url`, the same after one INSERT + COMMIT at FLOOR_PATH)."""
    app = Flask(__name__)
    body = twiml_of_size(size)
    connections = threading.local()

    @app.post("/twilio/voice")
    def voice() -> Response:
        # Parse the form as the service must (its cost belongs to the limit too).
        request.form.get("CallSid")
        return Response(body, content_type="text/xml; charset=utf-8")

    @app.post(FLOOR_PATH)
    def floor() -> Response:
        if floor_url is None:
            return Response("no database", status=404)
        conn = getattr(connections, "conn", None)
        if conn is None:
            import psycopg

            conn = connections.conn = psycopg.connect(floor_url)
        with conn.transaction():
            conn.execute(
                f"INSERT INTO {FLOOR_TABLE} (call_sid) VALUES (%s)",
                (request.form.get("CallSid", ""),),
            )
        return Response(body, content_type="text/xml; charset=utf-8")

    @app.get("/healthz")
    def healthz() -> str:
        return "ok"

    return app


def limit_command() -> list[str]:
    """The Procfile's web line with the limit app in place of the service."""
    argv = procfile_command("web")
    line = argv[-1]
    if SERVICE_APP not in line:
        raise LookupError(f"the Procfile's web line does not serve {SERVICE_APP}: {line}")
    return [*argv[:-1], line.replace(SERVICE_APP, LIMIT_APP)]


def floor_url(database_url: str) -> str | None:
    """The psycopg URL of the floor's table (created now), or None on SQLite."""
    if not database_url.startswith("postgresql"):
        return None
    import psycopg

    plain = database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(
            f"CREATE TABLE IF NOT EXISTS {FLOOR_TABLE} (id bigserial PRIMARY KEY, "
            "call_sid varchar(64) NOT NULL, at timestamptz NOT NULL DEFAULT now())"
        )
    return plain


@contextmanager
def running_limit_app(stack: Stack, size: int) -> Iterator[str]:
    """Start the limit app beside `stack`, with its environment and worker count; yield its URL."""
    port = free_port()
    env = stack.env() | {"PORT": str(port), SIZE_VARIABLE: str(size)}
    floor = floor_url(stack.database_url)
    if floor is not None:
        env[FLOOR_VARIABLE] = floor
    log = open(Path(stack.workdir) / "limit.log", "ab")  # noqa: SIM115 (the process owns it)
    # Its own session: Stack.stop() signals the whole process group.
    process = subprocess.Popen(
        limit_command(),
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    stack.processes["limit"] = process
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_http(f"{base_url}/healthz", 30)
        yield base_url
    finally:
        stack.stop("limit")
        with suppress(OSError):
            log.close()


app = create_limit_app(int(os.environ.get(SIZE_VARIABLE) or 700), os.environ.get(FLOOR_VARIABLE))
