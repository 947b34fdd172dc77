"""A small OpenAI-compatible chat-completions server for tests: real HTTP on a free port.

It stands in for vLLM, llama.cpp or OpenAI at the true external boundary of RAG answers.
It answers with `reply` (whole, or streamed as server-sent events in `chunk`-sized
deltas), records every request, and fails the ways real servers do: an HTTP `status`, a
`delay` before answering, or a stream cut after `cut_after` deltas.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

from tests.fake_http import LocalHTTPServer


@dataclass
class FakeChatServer(LocalHTTPServer):
    model: str = "fake-chat"
    reply: str = "The answer [1]."
    api_key: str = ""
    status: int = 200
    delay: float = 0.0  # seconds before the status line
    chunk: int = 4  # characters per streamed delta
    chunk_delay: float = 0.0  # seconds between streamed deltas
    cut_after: int = -1  # close a stream after this many deltas (-1: never)
    requests: list[dict] = field(default_factory=list)

    def handler(self) -> type[BaseHTTPRequestHandler]:
        return _handler_for(self)

    def prompt(self, index: int = -1) -> str:
        """The text of the user messages of a recorded request."""
        messages = self.requests[index]["body"]["messages"]
        return "\n".join(m["content"] for m in messages if m["role"] == "user")


def _handler_for(fake: FakeChatServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format, *args):  # silence per-request logging
            pass

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            fake.requests.append({
                "path": self.path, "body": body,
                "authorization": self.headers.get("Authorization"),
            })  # fmt: skip
            time.sleep(fake.delay)
            if not self.path.endswith("/chat/completions"):
                return self._json(404, {"error": {"message": "not found"}})
            if fake.api_key and (
                self.headers.get("Authorization") != f"Bearer {fake.api_key}"
            ):
                return self._json(401, {"error": {"message": "bad key"}})
            if fake.status != 200:
                return self._json(
                    fake.status, {"error": {"message": "configured failure"}}
                )
            if body.get("stream"):
                return self._stream()
            self._json(200, {
                "id": "chatcmpl-test", "object": "chat.completion", "model": fake.model,
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": fake.reply}}],
            })  # fmt: skip

        def _stream(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Connection", "close")
            self.end_headers()
            pieces = [
                fake.reply[i : i + fake.chunk]
                for i in range(0, len(fake.reply), fake.chunk)
            ]
            for number, piece in enumerate(pieces):
                if number == fake.cut_after:
                    self.wfile.flush()
                    self.close_connection = True
                    return
                chunk = {
                    "id": "chatcmpl-test", "object": "chat.completion.chunk",
                    "model": fake.model,
                    "choices": [{"index": 0, "delta": {"content": piece}}],
                }  # fmt: skip
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.flush()
                time.sleep(fake.chunk_delay)
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
            self.close_connection = True

        def _json(self, status: int, payload: dict):
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler
