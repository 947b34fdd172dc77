"""The editors' admin: list and form render; saves with images; refused uploads save nothing."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from items.models import Item, ItemImage, Status
from items.services import add_image
from tests.admin_forms import item_inlines
from tests.conftest import make_image_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client(client, django_user_model):
    user = django_user_model.objects.create_superuser(
        "editor", "editor@example.com", "pw-123456"
    )
    client.force_login(user)
    return client


def item_post_data(*uploads: SimpleUploadedFile, **fields: str) -> dict[str, object]:
    data: dict[str, object] = {
        "kind": "test_item",
        "title": "그래프 해석 문제",
        "body": "다음 그래프를 보고 물음에 답하시오.",
        "subject": "수학",
        "tags": "그래프, 함수",
        "language": "ko",
        "status": "draft",
        "metadata": '{"answer": "②"}',
        **item_inlines(images=len(uploads)),
    }
    for index, upload in enumerate(uploads):
        data[f"images-{index}-image"] = upload
        data[f"images-{index}-caption"] = f"그림 {index + 1}"
        data[f"images-{index}-position"] = "0"  # untouched: the admin assigns positions
    data.update(fields)
    return data


def upload(
    name: str, data: bytes, content_type: str = "image/png"
) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def media_files(settings) -> set[Path]:
    root = Path(settings.MEDIA_ROOT)
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def test_changelist_shows_thumbnail_status_and_filters(
    editor_client, make_item, settings
):
    item = make_item(status=Status.REVIEW)
    add_image(item=item, upload=io.BytesIO(make_image_bytes()), filename="graph.png")
    response = editor_client.get(reverse("admin:items_item_changelist"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="portal-thumb"' in html
    assert "portal-badge--review" in html
    assert item.title in html
    for filter_name in ("kind", "status", "language"):
        assert f"?{filter_name}__exact=" in html


def test_changelist_search_finds_by_caption_once(editor_client, make_item):
    item = make_item(title="Lab safety")
    for caption in ("beaker diagram", "beaker photo"):
        add_image(
            item=item,
            upload=io.BytesIO(make_image_bytes()),
            filename="b.png",
            caption=caption,
        )
    response = editor_client.get(
        reverse("admin:items_item_changelist"), {"q": "beaker"}
    )
    assert response.context["cl"].result_count == 1


def test_add_form_renders_with_image_inline(editor_client):
    response = editor_client.get(reverse("admin:items_item_add"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="images-0-image"' in html
    assert 'accept="image/*"' in html


def test_editor_creates_item_with_two_images(editor_client, settings):
    response = editor_client.post(
        reverse("admin:items_item_add"),
        item_post_data(
            upload("diagram.png", make_image_bytes("PNG")),
            upload(
                "photo.jpg", make_image_bytes("JPEG", color="#aa3344"), "image/jpeg"
            ),
        ),
    )
    assert response.status_code == 302, (
        response.context["errors"] if response.context else ""
    )
    item = Item.objects.get()
    assert item.tags == ["그래프", "함수"]
    assert item.metadata == {"answer": "②"}
    assert item.author.username == "editor"
    images = list(item.images.all())
    assert [img.caption for img in images] == ["그림 1", "그림 2"]
    assert [img.position for img in images] == [0, 1]
    assert [img.format for img in images] == ["PNG", "JPEG"]
    assert all(img.thumbnail and Path(img.thumbnail.path).is_file() for img in images)

    change = editor_client.get(reverse("admin:items_item_change", args=[item.pk]))
    assert change.content.decode().count('class="portal-thumb"') == 2


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"\x89PNG\r\n\x1a\n garbage", "not an image we can read"),
        (b"BM" + b"\x00" * 64, "not an image we can read"),
    ],
)
def test_corrupt_upload_is_a_form_error_and_nothing_is_saved(
    editor_client, settings, payload, message
):
    files_before = media_files(settings)
    response = editor_client.post(
        reverse("admin:items_item_add"),
        item_post_data(
            upload("good.png", make_image_bytes()), upload("bad.png", payload)
        ),
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Item.objects.count() == 0
    assert ItemImage.objects.count() == 0
    assert media_files(settings) == files_before


def test_oversized_upload_on_existing_item_keeps_the_item_unchanged(
    editor_client, make_item, settings
):
    settings.UPLOAD_MAX_BYTES = 2_000
    item = make_item(title="Original title")
    files_before = media_files(settings)
    data = item_post_data(
        upload("big.bmp", make_image_bytes("BMP", size=(200, 200)), "image/bmp"),
        title="Changed title",
    )
    response = editor_client.post(
        reverse("admin:items_item_change", args=[item.pk]), data
    )
    assert response.status_code == 200
    assert "larger than" in response.content.decode()
    item.refresh_from_db()
    assert item.title == "Original title"
    assert not item.images.exists()
    assert media_files(settings) == files_before


def test_bulk_publish_and_archive_actions(editor_client, make_item):
    drafts = [make_item(status=Status.DRAFT) for _ in range(3)]
    url = reverse("admin:items_item_changelist")
    ids = [str(item.pk) for item in drafts]
    response = editor_client.post(
        url, {"action": "publish", "_selected_action": ids}, follow=True
    )
    assert "3 item(s) marked published" in response.content.decode()
    assert set(Item.objects.values_list("status", flat=True)) == {Status.PUBLISHED}
    assert all(item.published_at for item in Item.objects.all())

    editor_client.post(url, {"action": "archive", "_selected_action": ids[:1]})
    assert Item.objects.filter(status=Status.ARCHIVED).count() == 1


def test_invalid_metadata_is_a_form_error(editor_client):
    response = editor_client.post(
        reverse("admin:items_item_add"), item_post_data(metadata="[1, 2]")
    )
    assert response.status_code == 200
    assert "JSON object" in response.content.decode()
    assert Item.objects.count() == 0
