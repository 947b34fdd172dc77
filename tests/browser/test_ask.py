"""A visitor asks a question on the search page: the answer streams in, then the cited
passages are listed as links to their items (the fake chat server is real HTTP)."""

from __future__ import annotations

import pytest

from items.models import ItemKind, Language
from tests.browser.conftest import screenshot
from tests.fake_chat_server import FakeChatServer
from tests.search.rag.conftest import BEAKER, FILLER_EN, index

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_ask_box_streams_an_answer_and_links_its_citations(
    page, live_server, make_item, settings
):
    lab = index(make_item(
        title="Laboratory rules", kind=ItemKind.DOCUMENT, language=Language.ENGLISH,
        body=f"{FILLER_EN}\n\n{BEAKER}\n\n{FILLER_EN}",
    ))  # fmt: skip
    # Slow enough deltas that the page shows a partial answer before the end.
    chat = FakeChatServer(
        reply="Rinse each beaker three times with distilled water <b>now</b> [1].",
        chunk=6, chunk_delay=0.25,
    ).start()  # fmt: skip
    settings.RAG_CHAT_URL = chat.url
    settings.RAG_CHAT_MODEL = "fake-chat"
    try:
        page.goto(f"{live_server.url}/?q=beaker")
        assert page.locator("#ask-question").input_value() == "beaker"
        page.fill("#ask-question", "How should a beaker be rinsed?")
        page.click("#ask-form button")
        # A selector, not wait_for_function: the page's CSP forbids evaluated strings.
        page.wait_for_selector("#ask-answer:not(:empty)")
        partial = page.locator("#ask-answer").inner_text()
        assert partial and partial != chat.reply  # streamed: the start came first
        page.wait_for_selector("#ask-citations li")
        assert page.locator("#ask-answer").inner_text() == chat.reply  # text, not HTML
        citation = page.locator("#ask-citations li").first
        assert "Laboratory rules" in citation.inner_text()
        assert "distilled water" in citation.locator("blockquote").inner_text()
        link = citation.locator("a")
        assert link.get_attribute("href").endswith(f"/items/{lab.pk}/")
        assert page.locator("#ask-answer a.cite").inner_text() == "[1]"
        screenshot(page, "ask-answer")
        assert "How should a beaker be rinsed?" in chat.prompt()
        link.click()
        page.wait_for_selector("article.item")
        assert page.locator("h1").inner_text() == "Laboratory rules"
    finally:
        chat.stop()


def test_the_ask_box_shows_the_endpoint_error(page, live_server, make_item, settings):
    index(make_item(title="Beaker notes", body=BEAKER, language=Language.ENGLISH))
    chat = FakeChatServer(status=500).start()
    settings.RAG_CHAT_URL = chat.url
    try:
        page.goto(f"{live_server.url}/?q=beaker")
        page.click("#ask-form button")
        page.wait_for_selector("#ask-error:not([hidden])")
        assert "HTTP 500" in page.locator("#ask-error").inner_text()
        assert page.locator(".result h2").first.inner_text() == "Beaker notes"
    finally:
        chat.stop()
