"""An editor signs in, creates an item with two images and sees their thumbnails."""

from __future__ import annotations

import pytest

from items.models import Item
from tests.browser.conftest import screenshot
from tests.conftest import make_image_bytes

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_editor_creates_item_with_two_images(
    page, live_server, django_user_model, tmp_path
):
    django_user_model.objects.create_superuser(
        "editor", "e@example.com", "correct-horse-9"
    )
    first = tmp_path / "triangle.png"
    first.write_bytes(make_image_bytes("PNG", size=(300, 200)))
    second = tmp_path / "photo.jpg"
    second.write_bytes(make_image_bytes("JPEG", size=(320, 240), color="#8844aa"))

    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", "correct-horse-9")
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")

    page.goto(f"{live_server.url}/admin/items/item/add/")
    page.fill("#id_title", "직각삼각형의 빗변 길이")
    page.fill("#id_body", "두 변의 길이가 3, 4인 직각삼각형의 빗변의 길이를 구하시오.")
    page.fill("#id_subject", "수학")
    page.fill("#id_tags", "피타고라스, 도형")
    page.set_input_files("#id_images-0-image", str(first))
    page.fill("#id_images-0-caption", "그림 1")
    page.click(".portal-images .add-row a")
    page.set_input_files("#id_images-1-image", str(second))
    page.fill("#id_images-1-caption", "사진")
    page.click("input[name=_continue]")

    page.wait_for_selector(".messagelist .success")
    thumbs = page.locator(".portal-images img.portal-thumb")
    assert thumbs.count() == 2
    assert all(thumbs.nth(i).evaluate("img => img.naturalWidth > 0") for i in range(2))
    screenshot(page, "admin-item-with-two-images")

    page.goto(f"{live_server.url}/admin/items/item/")
    row_thumb = page.locator("#result_list img.portal-thumb").first
    assert row_thumb.evaluate("img => img.complete && img.naturalWidth > 0")
    screenshot(page, "admin-item-list")

    item = Item.objects.get()
    assert item.images.count() == 2
    assert item.tags == ["피타고라스", "도형"]
