"""Uploaded media are served only to users who may see their item."""

from __future__ import annotations

import io

import pytest

from items.models import Status
from items.services import add_image


@pytest.fixture
def staff_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("editor", is_staff=True))
    return client


def _image_of(make_item, image_bytes, status: str):
    item = make_item(status=status)
    return add_image(item=item, upload=io.BytesIO(image_bytes()), filename="figure.png")


def test_a_published_image_and_its_thumbnail_are_public_and_cacheable(
    client, make_item, image_bytes
):
    image = _image_of(make_item, image_bytes, Status.PUBLISHED)
    for url in (image.image.url, image.thumbnail.url):
        response = client.get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content)[:4] in (b"\x89PNG", b"RIFF")
        assert "public" in response["Cache-Control"]
        assert response["X-Content-Type-Options"] == "nosniff"


def test_a_draft_image_is_not_found_for_visitors_even_with_its_url(
    client, make_item, image_bytes
):
    image = _image_of(make_item, image_bytes, Status.DRAFT)
    assert client.get(image.image.url).status_code == 404
    assert client.get(image.thumbnail.url).status_code == 404


def test_a_draft_image_is_served_to_staff_and_never_cached_publicly(
    staff_client, make_item, image_bytes
):
    image = _image_of(make_item, image_bytes, Status.REVIEW)
    response = staff_client.get(image.image.url)
    assert response.status_code == 200
    assert "private" in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]


def test_archiving_an_item_withdraws_its_images(client, make_item, image_bytes):
    image = _image_of(make_item, image_bytes, Status.PUBLISHED)
    assert client.get(image.image.url).status_code == 200
    type(image.item).objects.filter(pk=image.item_id).update(status=Status.ARCHIVED)
    assert client.get(image.image.url).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name", ["nothing-here.png", "../portal/settings.py", "items/%2e%2e/x", "a%00b"]
)
def test_unknown_and_traversal_names_are_not_found(client, name):
    assert client.get(f"/media/{name}").status_code == 404


def test_behind_nginx_the_bytes_are_sent_by_the_web_server(
    client, make_item, image_bytes, settings
):
    settings.MEDIA_ACCEL_REDIRECT_PREFIX = "/protected-media/"
    image = _image_of(make_item, image_bytes, Status.PUBLISHED)
    response = client.get(image.image.url)
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected-media/{image.image.name}"
    assert response.content == b""
