"""What the fake model and chat servers share: a threaded HTTP server on 127.0.0.1 that
can stop and start again on the same port (a crash and a restart, as tests need)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self


@dataclass
class LocalHTTPServer:
    port: int = 0  # 0: a free port, chosen at the first start and kept afterwards
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def handler(self) -> type[BaseHTTPRequestHandler]:
        raise NotImplementedError

    def start(self) -> Self:
        server = ThreadingHTTPServer(("127.0.0.1", self.port), self.handler())
        server.daemon_threads = True
        self.port = server.server_address[1]
        self._server = server
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop listening: connections are refused, as with a crashed server."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
