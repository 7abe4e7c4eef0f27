"""A fast local stand-in for Twilio's REST API that logs what arrives and can misbehave.

Run as its own process (`python -m bench.fake_twilio --port N`) so that the service under
test reaches it over a real socket, as it reaches api.twilio.com. It accepts the three
calls the relay makes (send a message, place a call, redirect a call) and lists the
messages it has (the relay's look-up after a lost answer), records each with
the moment it arrived, and on request answers 500 or 429, hangs past the client's
timeout, or resets the connection, for a given number of seconds (the fault drills).
"accept-hang" is the nasty one: the request is accepted (logged, with "late": true) and
then the answer never comes, as when Twilio queued a message but the response was lost.

Control endpoints (JSON): `GET /_bench/log`, `POST /_bench/reset`,
`POST /_bench/fault {"mode": "500"|"429"|"hang"|"accept-hang"|"reset"|"ok", "seconds": N}`.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import socket
import struct
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

API = "/2010-04-01/Accounts/"
MESSAGE = re.compile(r"^/2010-04-01/Accounts/(AC\w+)/Messages\.json$")
CALLS = re.compile(r"^/2010-04-01/Accounts/(AC\w+)/Calls\.json$")
CALL = re.compile(r"^/2010-04-01/Accounts/(AC\w+)/Calls/(CA\w+)\.json$")
FAULTS = ("500", "429", "hang", "accept-hang", "reset", "ok")
# Longer than any client timeout the service uses (TwilioAccount: 10 s).
HANG_SECONDS = 30.0


class Ledger:
    """Everything that arrived, and the fault currently in force (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[dict[str, object]] = []
        self._sids = itertools.count(1)
        self._fault = "ok"
        self._fault_until = 0.0
        self.refused = 0

    def fault(self) -> str:
        """The fault to play now ('ok' once its time is up)."""
        with self._lock:
            if self._fault != "ok" and time.time() >= self._fault_until:
                self._fault = "ok"
            return self._fault

    def set_fault(self, mode: str, seconds: float) -> None:
        """Misbehave in `mode` for `seconds` from now."""
        with self._lock:
            self._fault, self._fault_until = mode, time.time() + seconds

    def count_refused(self) -> None:
        """One request answered with a fault instead of being accepted."""
        with self._lock:
            self.refused += 1

    def record(self, kind: str, account: str, params: dict[str, str], *, late: bool = False) -> str:
        """Log an accepted request and return the SID Twilio would give it (`late`: its
        answer will never reach the client)."""
        prefix = "SM" if kind == "sms" else "CA"
        with self._lock:
            sid = f"{prefix}{next(self._sids):032x}"
            entry = {"kind": kind, "at": time.time(), "sid": sid, "account": account, **params}
            if late:
                entry["late"] = True
            self._entries.append(entry)
        return sid

    def listing(self, path: str, query: dict[str, str]) -> dict[str, object]:
        """Twilio's Messages list for `To`, newest first, each dated when it arrived (a text
        accepted whose answer was lost is listed too: Twilio has it)."""
        with self._lock:
            found = [
                e for e in self._entries if e["kind"] == "sms" and e.get("To") == query.get("To")
            ]
        messages = [
            {
                **_resource("sms", str(e["sid"]), {str(k): str(v) for k, v in e.items()}),
                "direction": "outbound-api",
                "date_created": formatdate(float(e["at"]), usegmt=True),  # type: ignore[arg-type]
                "date_sent": formatdate(float(e["at"]), usegmt=True),  # type: ignore[arg-type]
            }
            for e in reversed(found)
        ]
        return {
            "messages": messages,
            "page": 0,
            "page_size": 50,
            "uri": path,
            "next_page_uri": None,
        }

    def snapshot(self) -> dict[str, object]:
        """The log and counters as JSON-able data."""
        with self._lock:
            return {"entries": list(self._entries), "refused": self.refused}

    def clear(self) -> None:
        """Forget the log and any fault."""
        with self._lock:
            self._entries.clear()
            self.refused = 0
            self._fault, self._fault_until = "ok", 0.0


class Handler(BaseHTTPRequestHandler):
    """One request to the fake API."""

    server_version = "FakeTwilio/1.0"
    protocol_version = "HTTP/1.1"
    ledger: Ledger  # set on the class by serve()

    def log_message(self, format: str, *args: object) -> None:
        pass  # thousands of lines of access log would drown the benchmark output

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _json(self, status: int, payload: object) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        path, _, query = self.path.partition("?")
        if self.path == "/_bench/log":
            self._json(200, self.ledger.snapshot())
        elif MESSAGE.match(path):
            if self._misbehave():
                return
            self._json(200, self.ledger.listing(path, dict(parse_qsl(query))))
        else:
            self._json(404, {"code": 20404, "message": "not found", "status": 404})

    def do_POST(self) -> None:
        body = self._body()
        if self.path.startswith("/_bench/"):
            self._control(body)
            return
        late = self.path.startswith(API) and self.ledger.fault() == "accept-hang"
        if self.path.startswith(API) and not late and self._misbehave():
            return
        params = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        for pattern, kind in ((MESSAGE, "sms"), (CALLS, "call"), (CALL, "redirect")):
            found = pattern.match(self.path)
            if found:
                if kind == "redirect":
                    params["CallSid"] = found.group(2)
                sid = self.ledger.record(kind, found.group(1), params, late=late)
                if late:
                    # Accepted, but the answer is lost: the client times out not knowing.
                    self.ledger.count_refused()
                    time.sleep(HANG_SECONDS)
                    self.close_connection = True
                    return
                self._json(201 if kind != "redirect" else 200, _resource(kind, sid, params))
                return
        self._json(404, {"code": 20404, "message": f"{self.path} not found", "status": 404})

    def _control(self, body: bytes) -> None:
        if self.path == "/_bench/reset":
            self.ledger.clear()
            self._json(200, {"ok": True})
            return
        if self.path == "/_bench/fault":
            wanted = json.loads(body or b"{}")
            mode = str(wanted.get("mode", "ok"))
            if mode not in FAULTS:
                self._json(400, {"error": f"mode must be one of {FAULTS}"})
                return
            self.ledger.set_fault(mode, float(wanted.get("seconds", 0)))
            self._json(200, {"mode": mode})
            return
        self._json(404, {"error": "unknown control"})

    def _misbehave(self) -> bool:
        """Play the current fault; True when the request was not accepted."""
        fault = self.ledger.fault()
        if fault == "ok":
            return False
        self.ledger.count_refused()
        if fault == "500":
            self._json(500, {"code": 20500, "message": "Internal Server Error", "status": 500})
        elif fault == "429":
            self._json(429, {"code": 20429, "message": "Too Many Requests", "status": 429})
        elif fault == "hang":
            time.sleep(HANG_SECONDS)
            self.close_connection = True
        else:
            # SO_LINGER 0: close() sends RST, the client sees "connection reset by peer".
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
        return True


def _resource(kind: str, sid: str, params: dict[str, str]) -> dict[str, object]:
    """The JSON Twilio answers with, as much of it as twilio-python reads."""
    account = "AC" + "0" * 32
    if kind == "sms":
        return {
            "sid": sid,
            "account_sid": account,
            "to": params.get("To"),
            "from": params.get("From"),
            "body": params.get("Body"),
            "status": "queued",
            "num_segments": "1",
            "uri": f"{API}{account}/Messages/{sid}.json",
        }
    return {
        "sid": params.get("CallSid", sid),
        "account_sid": account,
        "to": params.get("To"),
        "from": params.get("From"),
        "status": "queued",
        "uri": f"{API}{account}/Calls/{sid}.json",
    }


class FakeTwilioServer(ThreadingHTTPServer):
    """The threaded HTTP server with a ledger of its own."""

    daemon_threads = True
    request_queue_size = 256

    def __init__(self, port: int, ledger: Ledger | None = None) -> None:
        self.ledger = ledger or Ledger()
        handler = type("BoundHandler", (Handler,), {"ledger": self.ledger})
        super().__init__(("127.0.0.1", port), handler)


def serve(port: int) -> None:
    """Serve until killed."""
    FakeTwilioServer(port).serve_forever()


def main() -> None:
    """`python -m bench.fake_twilio --port N`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    serve(parser.parse_args().port)


if __name__ == "__main__":
    main()
