"""A small OpenAI-compatible model server for tests: real HTTP on a free local port.

It stands in for vLLM/TEI at the true external boundary. Embeddings are bags of hashed
words (texts sharing words are close), so search through it is meaningful; images are
embedded from their pixels. `/rerank` scores by shared words. Switches make it fail the
ways real servers do; `kill()` and `start()` stop and restart it on the same port. With
`upstream` set it forwards every request there instead (a replica in front of a portal).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import socket
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

import numpy as np
from PIL import Image

from tests.fake_http import LocalHTTPServer

WORD = re.compile(r"\w+")


def bag_of_words(text: str, dimension: int) -> list[float]:
    vector = np.zeros(dimension)
    for word in WORD.findall(text.lower()):
        digest = hashlib.sha256(word.encode()).digest()
        vector[int.from_bytes(digest[:4], "big") % dimension] += 1.0
        # A second, signed component keeps unrelated words from colliding exactly.
        vector[digest[4] % dimension] += 0.5 if digest[5] % 2 else -0.5
    if not vector.any():
        vector[0] = 1.0
    return vector.tolist()


def image_vector(data_uri: str, dimension: int) -> list[float]:
    raw = base64.b64decode(data_uri.split(",", 1)[1])
    image = Image.open(io.BytesIO(raw)).convert("RGB").resize((8, 8))
    pixels = np.asarray(image, dtype=np.float64).ravel() / 255.0 + 0.01
    return np.resize(pixels, dimension).tolist()


@dataclass
class FakeModelServer(LocalHTTPServer):
    model: str = "fake-embed"
    root: str = ""  # the weights behind `model`, listed by /models as vLLM does
    dimension: int = 32
    api_key: str = ""
    upstream: str = ""  # forward everything to this base URL (e.g. a live portal)
    status: int = 200  # answer every embedding/rerank request with this HTTP status
    fail_next: int = 0  # answer the next N embedding requests with 503
    answer: str = "ok"  # "ok", "nan", "zero", "short" (wrong dimension)
    # "vllm", or "tei": `texts` in, a bare list of {index, score} out.
    rerank_shape: str = "vllm"
    delay: float = 0.0  # seconds before each embedding answer (to observe concurrency)
    max_in_flight: int = 0  # the most embedding requests it was answering at once
    requests: list[dict] = field(default_factory=list)
    _in_flight: int = 0
    _counter: threading.Lock = field(default_factory=threading.Lock)

    def handler(self) -> type[BaseHTTPRequestHandler]:
        return _handler_for(self)

    def kill(self) -> None:
        """Stop listening: connections are refused, as with a crashed server."""
        self.stop()

    def paths(self) -> list[str]:
        return [r["path"] for r in self.requests]

    def embed_requests(self) -> list[dict]:
        return [r for r in self.requests if r["path"].endswith("/embeddings")]

    # -- answers ---------------------------------------------------------------------

    def embeddings(self, body: dict) -> tuple[int, dict]:
        if self.fail_next > 0:
            self.fail_next -= 1
            return 503, {"error": {"message": "warming up"}}
        if "messages" in body:
            parts = [
                p for m in body["messages"] if m["role"] == "user" for p in m["content"]
            ]
            inputs = [
                p["image_url"]["url"] if p["type"] == "image_url" else p["text"]
                for p in parts
            ]
            inputs = inputs[:1]
        else:
            inputs = (
                body["input"] if isinstance(body["input"], list) else [body["input"]]
            )
        size = int(body.get("dimensions") or self.dimension)
        vectors = [self._vector(value, size) for value in inputs]
        data = [{"object": "embedding", "index": i, "embedding": v}
                for i, v in enumerate(vectors)]  # fmt: skip
        data.reverse()  # clients must order by index, not by position
        return 200, {"object": "list", "data": data, "model": self.model}

    def _vector(self, value: str, size: int) -> list[float]:
        if self.answer == "nan":
            return [float("nan")] * size
        if self.answer == "zero":
            return [0.0] * size
        if self.answer == "short":
            size -= 1
        if value.startswith("data:image/"):
            return image_vector(value, size)
        return bag_of_words(value, size)

    def rerank(self, body: dict) -> tuple[int, object]:
        query = set(WORD.findall(body["query"].lower()))
        field = "texts" if self.rerank_shape == "tei" else "documents"
        if field not in body:
            return 422, {"error": {"message": f"missing {field}"}}
        scores = [float(len(query & set(WORD.findall(d.lower())))) for d in body[field]]
        order = sorted(range(len(scores)), key=lambda i: -scores[i])
        if self.rerank_shape == "tei":
            return 200, [{"index": i, "score": scores[i]} for i in order]
        results = [{"index": i, "relevance_score": scores[i]} for i in order]
        return 200, {"model": body.get("model"), "results": results}


def _handler_for(fake: FakeModelServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format, *args):  # silence per-request logging
            pass

        def do_GET(self):
            self._record(None)
            if fake.upstream:
                return self._forward(None)
            if self.path.endswith("/models"):
                entry = {"id": fake.model, **({"root": fake.root} if fake.root else {})}
                return self._send(200, {"object": "list", "data": [entry]})
            self._send(404, {"error": {"message": "not found"}})

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            self._record(body)
            if fake.upstream:
                return self._forward(json.dumps(body).encode())
            if (
                fake.api_key
                and self.headers.get("Authorization") != f"Bearer {fake.api_key}"
            ):
                return self._send(401, {"error": {"message": "bad key"}})
            if fake.status != 200:
                return self._send(
                    fake.status, {"error": {"message": "configured failure"}}
                )
            if body.get("model") != fake.model:
                return self._send(404, {"error": {"message": "no such model"}})
            if self.path.endswith("/embeddings"):
                with fake._counter:
                    fake._in_flight += 1
                    fake.max_in_flight = max(fake.max_in_flight, fake._in_flight)
                time.sleep(fake.delay)
                try:
                    return self._send(*fake.embeddings(body))
                finally:
                    with fake._counter:
                        fake._in_flight -= 1
            if self.path.endswith("/rerank"):
                return self._send(*fake.rerank(body))
            self._send(404, {"error": {"message": "not found"}})

        def _record(self, body):
            fake.requests.append({"path": self.path, "body": body,
                                  "authorization": self.headers.get("Authorization")})  # fmt: skip

        def _forward(self, data: bytes | None):
            target = fake.upstream.rstrip("/") + self.path.removeprefix("/v1")
            headers = {"Content-Type": "application/json"}
            if self.headers.get("Authorization"):
                headers["Authorization"] = self.headers["Authorization"]
            request = urllib.request.Request(target, data=data, headers=headers)
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    status, raw = response.status, response.read()
            except urllib.error.HTTPError as exc:
                status, raw = exc.code, exc.read()
            self._send_raw(status, raw)

        def _send(self, status: int, payload: object):
            self._send_raw(status, json.dumps(payload).encode())

        def _send_raw(self, status: int, raw: bytes):
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

    return Handler


def free_port_url() -> str:
    """A base URL where nothing listens (a server that is down)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"
