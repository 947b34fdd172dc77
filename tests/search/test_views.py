"""The search and item pages over HTTP: status codes, messages, visibility."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_search_page_shows_highlighted_results(client, corpus):
    response = client.get(reverse("search:home"), {"q": "머그컵"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "세라믹 머그컵 350 ml" in html
    assert "<mark>머그컵</mark>" in html
    assert "Why this result?" in html
    assert "비공개 초안" not in html


def test_bad_options_are_a_400_with_a_message(client, corpus):
    response = client.get(reverse("search:home"), {"q": "x", "page": "zero"})
    assert response.status_code == 400
    assert "were not understood" in response.content.decode()
    response = client.get(reverse("search:home"), {"q": "x", "mode": "no-such-branch"})
    assert response.status_code == 400
    assert "did not run" in response.content.decode()


def test_unknown_query_image_is_a_404_with_a_message(client, db):
    response = client.get(reverse("search:home"), {"img": "a" * 64})
    assert response.status_code == 404
    assert "expired or never existed" in response.content.decode()


def test_uploading_a_query_image_redirects_to_a_shareable_url(client, corpus):
    upload = SimpleUploadedFile("q.png", corpus.photo_bytes, content_type="image/png")
    response = client.post(
        reverse("search:image"), {"image": upload, "q": "box", "kind": "product"}
    )
    assert response.status_code == 302
    assert (
        "img=" in response.url
        and "kind=product" in response.url
        and "q=box" in response.url
    )
    page = client.get(response.url)
    assert page.status_code == 200 and "Green box" in page.content.decode()


def test_a_non_image_upload_is_a_form_error(client, db):
    upload = SimpleUploadedFile("q.png", b"not an image", content_type="image/png")
    response = client.post(reverse("search:image"), {"image": upload})
    assert response.status_code == 400
    assert "not an image we can read" in response.content.decode()


def test_drafts_are_404_for_visitors_and_visible_to_staff(client, corpus):
    url = reverse("search:item", args=[corpus.draft.pk])
    assert client.get(url).status_code == 404
    client.force_login(User.objects.create_user("ed", is_staff=True))
    assert client.get(url).status_code == 200


def test_debug_lists_are_for_staff_only(client, corpus):
    params = {"q": "머그컵", "debug": "1"}
    assert (
        "Branch lists (debug)"
        not in client.get(reverse("search:home"), params).content.decode()
    )
    client.force_login(User.objects.create_user("ed", is_staff=True))
    assert (
        "Branch lists (debug)"
        in client.get(reverse("search:home"), params).content.decode()
    )


def test_item_page_shows_ocr_text_and_similar_items(client, corpus):
    html = client.get(
        reverse("search:item", args=[corpus.ocr_only.pk])
    ).content.decode()
    assert "Text found in this image" in html and "Beaker" in html
    assert "Similar items" in html
