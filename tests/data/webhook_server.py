"""A local HTTP server that records webhook POSTs (for automation tests): answers with queued statuses
(200 by default) and can hold requests until released."""

from __future__ import annotations

import json
import threading
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class WebhookServer:
    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.statuses: deque[int] = deque()
        self.hold = threading.Event()
        self.hold.set()  # cleared: requests wait (after being recorded) until it is set again
        self.arrived = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                server.received.append(
                    {"path": self.path, "headers": dict(self.headers.items()), "json": json.loads(body or b"null")}
                )
                server.arrived.set()
                server.hold.wait(timeout=60)
                status = server.statuses.popleft() if server.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/hook"

    def __enter__(self) -> WebhookServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.hold.set()
        self.httpd.shutdown()
        self.httpd.server_close()
