"""A visitor searches by text, then by image, changes the balance, opens items."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_search_by_text_and_image_then_follow_similar_items(
    page, live_server, corpus, tmp_path
):
    page.goto(f"{live_server.url}/")
    assert page.locator("h1.section-title").inner_text() == "Newest items"
    assert "비공개 초안" not in page.content()  # drafts are not shown to visitors

    page.fill("#id_q", "beaker cleaning")
    page.press("#id_q", "Enter")
    page.wait_for_selector(".results")
    titles = page.locator(".result h2").all_inner_texts()
    assert "실험 안내문" in titles[:5]
    first = page.locator(".result", has_text="실험 안내문")
    first.locator(".why summary").click()
    assert first.locator(".why table").is_visible()
    assert "image text" in first.locator(".why").inner_text()
    screenshot(page, "search-text")

    query_image = tmp_path / "query.png"
    query_image.write_bytes(corpus.photo_bytes)
    page.set_input_files("#id_image", str(query_image))
    page.wait_for_url("**img=*")
    assert page.locator("#query-preview").is_visible()
    assert page.locator("#presets").is_visible()  # text + image: the balance can be set
    page.check("input[name=preset][value='10/90']")
    page.wait_for_url("**preset=10%2F90*")
    assert page.locator("input[name=preset][value='10/90']").is_checked()
    screenshot(page, "search-image-10-90")

    page.fill("#id_q", "")
    page.press("#id_q", "Enter")
    page.wait_for_selector(".results")
    assert page.locator(".result h2").first.inner_text() == "Green box"
    page.locator(".result h2 a").first.click()
    page.wait_for_selector("article.item")
    assert page.locator("h1").inner_text() == "Green box"
    screenshot(page, "item-page")

    similar = page.locator(".similar .card__link")
    assert similar.count() >= 1
    assert "비공개 초안" not in page.locator(".similar").inner_text()
    similar.first.click()
    page.wait_for_selector("article.item")
    assert page.locator("h1").inner_text() != "Green box"
    screenshot(page, "similar-item")


def test_bad_query_image_is_a_clear_error(page, live_server, db, tmp_path):
    bogus = tmp_path / "not-an-image.png"
    bogus.write_bytes(b"this is text, not a picture")
    page.goto(f"{live_server.url}/")
    page.set_input_files("#id_image", str(bogus))
    page.wait_for_selector(".notice--error")
    assert "not an image we can read" in page.locator(".notice--error").inner_text()
