"""A real HTTP server on 127.0.0.1 that stands for a remote peer (a webhook subscriber, an SMS gateway).

It records every POST and answers with the statuses a test queues, 200 once they run out. A redirect status
sends a `Location`, so a client that must not follow redirects can be tested.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REDIRECTS = (301, 302, 307)


class Receiver:
    """What the peer was sent (lower-cased headers, raw body) and the statuses it will answer with."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.statuses: list[int] = []
        self.url = ""


@contextmanager
def local_receiver(path: str = "/") -> Iterator[Receiver]:
    """Serve a `Receiver` at `path` on a free port of 127.0.0.1 for the duration of the block."""
    rec = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            rec.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
            status = rec.statuses.pop(0) if rec.statuses else 200
            self.send_response(status)
            if status in REDIRECTS:
                self.send_header("Location", "http://127.0.0.1:9/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    rec.url = f"http://127.0.0.1:{server.server_port}{path}"
    try:
        yield rec
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
