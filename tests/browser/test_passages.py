"""A visitor searches for a phrase inside a PDF: the result shows the passage with its
page number, and the link opens the item page at that page."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot
from tests.search.rag.test_hits import manual

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_passage_hit_links_to_its_page(page, live_server, make_item):
    item, file_id = manual(make_item)
    page.goto(f"{live_server.url}/?q=impeller+gasket")
    result = page.locator(".result", has_text="Pump manual")
    passage = result.locator(".passage").first
    assert passage.locator(".passage__where").inner_text() == "page 3"
    assert passage.locator("mark").all_inner_texts()[:2] == ["impeller", "gasket"]
    screenshot(page, "search-passage")

    passage.locator("a").click()
    page.wait_for_url(f"**/items/{item.pk}/#page-{file_id}-3")
    target = page.locator(f"#page-{file_id}-3")
    assert target.is_visible()
    assert target.locator(".page__number").inner_text() == "page 3"
    target.locator("summary").click()
    assert "impeller gasket" in target.locator("pre").inner_text()
