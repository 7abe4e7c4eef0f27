"""The network between the drills' hosts: a TCP proxy to the database that a drill can cut
(one host loses the database, the others keep it), and a load balancer in front of the
web hosts that retries at the next host a request the chosen one failed, as Twilio's
retries and a load balancer's failover do."""

from __future__ import annotations

import http.client
import socket
import threading
from collections import Counter
from collections.abc import Sequence
from contextlib import suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

# Headers Twilio sends that the service reads (the signature, the idempotency token).
FORWARDED = ("Content-Type", "X-Twilio-Signature", "I-Twilio-Idempotency-Token")


class CuttableProxy:
    """A TCP proxy on loopback to `target_port`; `cut()` drops every connection and refuses
    new ones (each is closed as soon as it is accepted) until `restore()`."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.is_cut = threading.Event()
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, name="db-proxy", daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed
            if self.is_cut.is_set():
                client.close()
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._open.update((client, upstream))
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            self._drop(src, dst)

    def _drop(self, *sockets: socket.socket) -> None:
        for sock in sockets:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
            with self._lock:
                self._open.discard(sock)

    def cut(self) -> None:
        """The host loses the database: open connections drop, new ones are refused."""
        self.is_cut.set()
        with self._lock:
            victims = list(self._open)
        self._drop(*victims)

    def restore(self) -> None:
        """The database is reachable again."""
        self.is_cut.clear()

    def close(self) -> None:
        """Stop listening and drop everything."""
        self.listener.close()
        self.cut()


class LoadBalancer:
    """An HTTP front for several web hosts on loopback: a request goes to the host its call
    was routed to (`route`), or the first one, and to the next host when that one does not
    answer (refused, reset, or its answer lost); counts requests and failovers."""

    def __init__(self, ports: dict[str, int]) -> None:
        self.ports = ports
        self.route: dict[str, str] = {}
        self.answered: Counter[str] = Counter()
        self.failovers: list[tuple[str, str, str]] = []
        self._lock = threading.Lock()
        balancer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k: v for k in FORWARDED if (v := self.headers.get(k))}
                status, content_type, answer = balancer.forward(self.path, body, headers)
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, name="balancer", daemon=True).start()

    def order(self, call_sid: str) -> Sequence[str]:
        """The hosts to try for a request of this call, first choice first."""
        names = list(self.ports)
        first = self.route.get(call_sid, names[0])
        return [first, *(n for n in names if n != first)]

    def forward(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, str, bytes]:
        """Send the request to its host, failing over; (status, content type, body)."""
        call_sid = parse_qs(body.decode()).get("CallSid", [""])[0]
        hosts = self.order(call_sid)
        for name in hosts:
            conn = http.client.HTTPConnection("127.0.0.1", self.ports[name], timeout=30)
            try:
                conn.request("POST", path, body=body, headers=headers)
                reply = conn.getresponse()
                answer = reply.read()
            except (OSError, http.client.HTTPException) as exc:
                with self._lock:
                    self.failovers.append((call_sid, path, f"{name}: {type(exc).__name__}"))
                continue
            finally:
                conn.close()
            with self._lock:
                self.answered[name] += 1
            return reply.status, reply.getheader("Content-Type", "text/plain"), answer
        return 502, "text/plain", b"no host answered"

    def close(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()
