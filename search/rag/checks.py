"""System checks so `manage.py check` tells an operator what the RAG answer setup lacks.

Configuration only: a check never calls the chat endpoint (checks run at every
management command; a slow model server must not slow them down). The answer
endpoint's 502 and 504 say whether it answers."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks


def check_chat_config(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    url = settings.RAG_CHAT_URL.strip()
    if not url:
        return []  # answers are off, and say so; nothing is misconfigured
    found: list[checks.CheckMessage] = []
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        found.append(
            checks.Error(
                f"RAG_CHAT_URL={url!r} is not an http(s) URL.",
                hint="Use the endpoint's base URL, e.g. http://127.0.0.1:8080/v1.",
                id="search.E001",
            )
        )
    if not settings.RAG_CHAT_MODEL.strip():
        found.append(
            checks.Warning(
                "RAG_CHAT_URL is set but RAG_CHAT_MODEL is empty; most servers (vLLM, "
                "Ollama, OpenAI) refuse a request without the model's name.",
                hint="Set RAG_CHAT_MODEL to a name the server lists at /v1/models.",
                id="search.W001",
            )
        )
    key_env = settings.RAG_CHAT_API_KEY_ENV
    if key_env and not os.environ.get(key_env):
        found.append(
            checks.Warning(
                f"RAG_CHAT_API_KEY_ENV names {key_env}, which is not set; answers are "
                "requested without a key.",
                id="search.W002",
            )
        )
    return found


def register() -> None:
    checks.register(check_chat_config)
