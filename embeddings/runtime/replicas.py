"""Replicas of one model behind HTTP: round-robin, failover, retries, a circuit breaker.

Every URL of a pool serves the *same* model, so any of them may answer any request; a
different model is a different space, never a fallback inside one pool. Errors are sorted
by what they say about the endpoint:

- transient (connection refused or reset, timeout, 408/425/429/5xx, a garbled body): the
  endpoint rests for `cooldown` seconds, the next replica is tried, and after a full round
  the pool waits `backoff · 2^round` before trying again, `retries` times;
- misconfigured (401/403/404/405): the next replica is tried but the round is not
  repeated, since waiting does not fix a wrong key or path;
- input rejected (any other 4xx): raised at once as ProviderRejectedInput; a replica of the
  same model would refuse it too.

When nothing answered, the circuit opens: calls fail at once with ModelUnavailable (the
reason names every endpoint's error) until `cooldown` has passed, then one call is let
through (half-open) and a success closes the circuit again. Standard library HTTP only.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field

from embeddings.encoders.base import ModelUnavailable

logger = logging.getLogger(__name__)

TRANSIENT_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
MISCONFIGURED_STATUS = frozenset({401, 403, 404, 405})


class ProviderRejectedInput(ValueError):
    """The model server refused this input (400, 413, 422…): a property of the input."""


class _EndpointFailed(Exception):
    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


@dataclass
class ReplicaPool:
    """Calls one model's replicas; thread-safe, one per space (or reranker) per process."""

    name: str
    urls: list[str]
    api_key: str = ""
    timeout: float = 30.0
    retries: int = 2
    backoff: float = 0.5
    cooldown: float = 30.0
    max_concurrency: int = 4
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _next: int = 0
    _resting_until: dict[str, float] = field(default_factory=dict)
    _open_until: float = 0.0
    _open_reason: str = ""
    opened_at: float = 0.0  # wall-clock time the circuit last opened; 0 when closed

    def __post_init__(self) -> None:
        self.urls = [url.rstrip("/") for url in self.urls]
        if not self.urls:
            raise ModelUnavailable(f"{self.name}: no endpoint URL configured")
        self._slots = threading.BoundedSemaphore(max(1, self.max_concurrency))

    # -- calls -----------------------------------------------------------------------

    def post_json(self, path: str, payload: dict) -> object:
        """POST `payload` to `path` on a replica; the decoded JSON answer."""
        body = json.dumps(payload).encode()
        return self._call(lambda url: self._request(url + path, body))

    def get_json(self, path: str) -> object:
        return self._call(lambda url: self._request(url + path, None))

    @property
    def is_open(self) -> bool:
        return bool(self._open_reason)

    @property
    def open_reason(self) -> str:
        return self._open_reason

    def reset(self) -> None:
        """Close the circuit and forget resting endpoints (recovery seen elsewhere)."""
        with self._lock:
            self._resting_until.clear()
            self._open_until = 0.0
            self._open_reason = ""
            self.opened_at = 0.0

    def _call(self, attempt: Callable[[str], object]) -> object:
        with self._lock:
            if self._open_reason and time.monotonic() < self._open_until:
                raise ModelUnavailable(self._open_reason)
        errors: dict[str, str] = {}
        for round_ in range(self.retries + 1):
            if round_:
                time.sleep(self.backoff * 2 ** (round_ - 1))
            retry_worth_it = False
            for url in self._order():
                try:
                    with self._slots:
                        result = attempt(url)
                except _EndpointFailed as exc:
                    errors[url] = str(exc)
                    retry_worth_it |= exc.transient
                    self._rest(url)
                    logger.warning("%s: %s failed: %s", self.name, url, exc)
                    continue
                self._succeeded(url)
                return result
            if not retry_worth_it:
                break
        self._open(errors)
        raise ModelUnavailable(self._open_reason)

    def _order(self) -> list[str]:
        """Round-robin start; endpoints that failed recently go last, not away."""
        with self._lock:
            start = self._next % len(self.urls)
            self._next += 1
            now = time.monotonic()
            rotated = self.urls[start:] + self.urls[:start]
            return sorted(rotated, key=lambda u: self._resting_until.get(u, 0) > now)

    def _rest(self, url: str) -> None:
        with self._lock:
            self._resting_until[url] = time.monotonic() + self.cooldown

    def _succeeded(self, url: str) -> None:
        with self._lock:
            self._resting_until.pop(url, None)
            was_open = bool(self._open_reason)
            self._open_until, self._open_reason, self.opened_at = 0.0, "", 0.0
        if was_open:
            logger.info("%s: %s answers again; circuit closed", self.name, url)

    def _open(self, errors: dict[str, str]) -> None:
        details = "; ".join(f"{url}: {error}" for url, error in errors.items())
        reason = f"no endpoint of {self.name} answered ({details})"
        with self._lock:
            self._open_until = time.monotonic() + self.cooldown
            self._open_reason = reason
            self.opened_at = time.time()
        logger.error("%s: circuit open: %s", self.name, reason)

    # -- one HTTP request ------------------------------------------------------------

    def _request(self, url: str, body: bytes | None) -> object:
        headers = {"Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        request = urllib.request.Request(url, data=body, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            detail = _error_detail(exc)
            if exc.code in TRANSIENT_STATUS:
                message = f"HTTP {exc.code} {detail}"
                raise _EndpointFailed(message, transient=True) from exc
            if exc.code in MISCONFIGURED_STATUS:
                message = f"HTTP {exc.code} {detail}"
                raise _EndpointFailed(message, transient=False) from exc
            raise ProviderRejectedInput(
                f"{self.name} refused the input: HTTP {exc.code} {detail}"
            ) from exc
        except OSError as exc:  # URLError, refused, reset, timeouts
            reason = getattr(exc, "reason", exc)
            raise _EndpointFailed(f"{reason}", transient=True) from exc
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise _EndpointFailed("the answer is not JSON", transient=True) from exc


def _error_detail(exc: urllib.error.HTTPError) -> str:
    """The server's own message, short: OpenAI-style {"error": {"message"}} or raw text."""
    try:
        raw = exc.read()[:2000]
        data = json.loads(raw)
        message = data.get("error", data) if isinstance(data, dict) else data
        if isinstance(message, dict):
            message = message.get("message", message)
        return str(message)[:300]
    except Exception:  # a body that is not JSON (or none at all) is only context
        return str(exc.reason)[:300]
