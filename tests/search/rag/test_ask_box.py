"""The search page offers the Ask box only when a chat endpoint is configured, and its
script is a static file (the page's CSP allows no inline script)."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db


def test_the_ask_box_is_shown_only_with_a_chat_endpoint(client, settings):
    settings.RAG_CHAT_URL = ""
    page = client.get("/?q=beaker").content.decode()
    assert 'id="ask-form"' not in page and "ask.js" not in page
    settings.RAG_CHAT_URL = "http://127.0.0.1:9/v1"
    page = client.get("/?q=beaker").content.decode()
    assert 'id="ask-form"' in page and 'data-endpoint="/api/rag/answer"' in page
    assert re.search(r'<script src="[^"]*portal/ask\.js" defer></script>', page)
    # ask.js sends the page's CSRF token (signed-in staff post with their session).
    assert 'name="csrfmiddlewaretoken"' in page
    # Every script on the page is a file: no inline code for the CSP to refuse.
    assert all("src=" in tag for tag in re.findall(r"<script[^>]*>", page))
    browse = client.get("/").content.decode()  # the newest-items page has it too
    assert 'id="ask-form"' in browse
