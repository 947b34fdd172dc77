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


def test_signed_in_staff_can_ask_with_the_pages_csrf_token(
    settings, django_user_model, rag_corpus
):
    """What ask.js does for a session: the hidden csrfmiddlewaretoken as X-CSRFToken."""
    import socket

    from django.test import Client

    with socket.socket() as probe:  # a free port, closed again: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.RAG_CHAT_URL = f"http://127.0.0.1:{port}/v1"  # refused: a 502 is fine
    client = Client(enforce_csrf_checks=True)
    client.force_login(django_user_model.objects.create_user("ed", is_staff=True))
    page = client.get("/?q=beaker").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    body = {"question": "beaker", "stream": True}
    refused = client.post("/api/rag/answer", body, content_type="application/json")
    assert refused.status_code == 403
    sent = client.post("/api/rag/answer", body, content_type="application/json",
                       headers={"X-CSRFToken": token})  # fmt: skip
    assert sent.status_code == 502
    assert "could not be reached" in sent.json()["error"]["message"]
