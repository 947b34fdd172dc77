"""A client for any OpenAI-compatible `/v1/chat/completions` endpoint (vLLM, llama.cpp's
server, Ollama, TGI, OpenAI itself), on the standard library alone.

Configured by RAG_CHAT_URL (the base URL, ending in /v1, or the full
…/chat/completions URL), RAG_CHAT_MODEL, RAG_CHAT_API_KEY_ENV (the *name* of the
environment variable holding the key, so the key never sits in settings or logs) and
RAG_CHAT_TIMEOUT (seconds to wait for the server to connect and for each read; a
streamed answer may take longer in total while tokens keep arriving). Settings are read
per call so tests and operators can change them without a restart.
"""

from __future__ import annotations

import http.client
import json
import os
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings


class ChatError(Exception):
    """The chat endpoint could not give an answer; the message says why, for people."""


class ChatNotConfigured(ChatError):
    pass


class ChatFailed(ChatError):
    """The endpoint answered with an error, or with something that is not an answer."""


class ChatTimeout(ChatError):
    pass


@dataclass(frozen=True)
class ChatConfig:
    url: str
    model: str
    api_key: str
    timeout: float
    max_tokens: int

    @classmethod
    def from_settings(cls) -> ChatConfig:
        url = settings.RAG_CHAT_URL.strip()
        if not url:
            raise ChatNotConfigured(
                "No chat model is configured: set RAG_CHAT_URL (and RAG_CHAT_MODEL) to "
                "an OpenAI-compatible endpoint to get answers. /api/rag/context works "
                "without one."
            )
        if not url.rstrip("/").endswith("/chat/completions"):
            url = url.rstrip("/") + "/chat/completions"
        key_env = settings.RAG_CHAT_API_KEY_ENV
        return cls(
            url=url,
            model=settings.RAG_CHAT_MODEL,
            api_key=os.environ.get(key_env, "") if key_env else "",
            timeout=float(settings.RAG_CHAT_TIMEOUT),
            max_tokens=int(settings.RAG_CHAT_MAX_TOKENS),
        )


def chat_configured() -> bool:
    return bool(settings.RAG_CHAT_URL.strip())


@dataclass(frozen=True)
class ChatAnswer:
    text: str
    model: str


def complete_chat(*, messages: list[dict], config: ChatConfig) -> ChatAnswer:
    """The model's whole answer to `messages`."""
    with _open(messages, config, stream=False) as response:
        raw = _read(response, config)
    try:
        body = json.loads(raw)
        text = body["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise ChatFailed(
            f"The chat endpoint {config.url} answered with something that is not a "
            "chat completion."
        ) from exc
    if not isinstance(text, str):
        raise ChatFailed(f"The chat endpoint {config.url} returned no answer text.")
    return ChatAnswer(text=text, model=str(body.get("model") or config.model))


@dataclass
class ChatStream:
    """A streamed answer: iterate for text deltas; `model` is known once one arrived.
    Opening it (stream_chat) already waited for the endpoint's status line, so a
    refused or failing endpoint is an error before any byte is sent to our client."""

    response: http.client.HTTPResponse
    config: ChatConfig
    model: str = ""

    def __iter__(self) -> Iterator[str]:
        try:
            yield from self._deltas()
        finally:
            self.response.close()

    def _deltas(self) -> Iterator[str]:
        finished = False  # a choice's finish_reason or [DONE]: the answer is whole
        while True:
            try:
                raw = self.response.readline()
            except TimeoutError as exc:
                raise ChatTimeout(_timeout_message(self.config)) from exc
            except OSError as exc:
                raise ChatFailed(f"The chat endpoint stopped answering: {exc}") from exc
            if not raw:
                if not finished:
                    raise ChatFailed(
                        "The chat endpoint closed the stream before the answer was "
                        "complete."
                    )
                return
            line = raw.decode("utf-8", "replace").strip()
            if not line.startswith("data:"):
                continue  # blank separators, comments, event names
            data = line[5:].strip()
            if data == "[DONE]":
                return
            try:
                chunk = json.loads(data)
            except ValueError as exc:
                raise ChatFailed("The chat endpoint streamed invalid JSON.") from exc
            if not isinstance(chunk, dict):
                raise ChatFailed("The chat endpoint streamed something not a chunk.")
            self.model = self.model or str(chunk.get("model") or self.config.model)
            for choice in chunk.get("choices") or []:
                if not isinstance(choice, dict):
                    continue
                finished = finished or bool(choice.get("finish_reason"))
                delta = (choice.get("delta") or {}).get("content")
                if isinstance(delta, str) and delta:
                    yield delta


def stream_chat(*, messages: list[dict], config: ChatConfig) -> ChatStream:
    return ChatStream(response=_open(messages, config, stream=True), config=config)


def _open(messages: list[dict], config: ChatConfig, *, stream: bool):
    payload = {
        "model": config.model,
        "messages": messages,
        "stream": stream,
        "temperature": 0.2,  # answers from passages, not invention
        "max_tokens": config.max_tokens,
    }
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if stream:
        headers["Accept"] = "text/event-stream"
    if config.api_key:
        headers["Authorization"] = f"Bearer {config.api_key}"
    request = urllib.request.Request(
        config.url, data=json.dumps(payload).encode(), headers=headers, method="POST"
    )
    try:
        return urllib.request.urlopen(request, timeout=config.timeout)
    except urllib.error.HTTPError as exc:
        detail = _error_detail(exc)
        raise ChatFailed(
            f"The chat endpoint {config.url} answered HTTP {exc.code}{detail}."
        ) from exc
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise ChatTimeout(_timeout_message(config)) from exc
        raise ChatFailed(
            f"The chat endpoint {config.url} could not be reached: {exc.reason}."
        ) from exc
    except TimeoutError as exc:
        raise ChatTimeout(_timeout_message(config)) from exc
    except OSError as exc:  # connection reset while sending, and the like
        raise ChatFailed(f"The chat endpoint {config.url} failed: {exc}.") from exc


def _read(response, config: ChatConfig) -> bytes:
    try:
        return response.read()
    except TimeoutError as exc:
        raise ChatTimeout(_timeout_message(config)) from exc
    except OSError as exc:
        raise ChatFailed(f"The chat endpoint stopped answering: {exc}") from exc


def _timeout_message(config: ChatConfig) -> str:
    return (
        f"The chat endpoint {config.url} did not answer within {config.timeout:g} s "
        "(RAG_CHAT_TIMEOUT)."
    )


def _error_detail(exc: urllib.error.HTTPError) -> str:
    """The server's own message, when it sent an OpenAI-style error body."""
    try:
        message = json.loads(exc.read())["error"]["message"]
    except (ValueError, KeyError, TypeError, OSError):
        return ""
    return f": {str(message)[:200]}"
