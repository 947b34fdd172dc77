"""Items, search, similar, jobs, classify and health over the REST API."""

from __future__ import annotations

import base64
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from items.models import Item, Status
from tests.conftest import make_image_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def anon() -> APIClient:
    return APIClient()


@pytest.fixture
def staff(django_user_model) -> APIClient:
    client = APIClient()
    client.force_authenticate(
        django_user_model.objects.create_user("ed", is_staff=True)
    )
    return client


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


# ---- health ---------------------------------------------------------------------------
def test_health_reports_each_space_database_broker_and_ocr(anon, test_clip_space):
    body = anon.get("/health").json()
    assert body["database"]["ok"] and body["database"]["pgvector"].startswith("0.8")
    assert body["broker"]["ok"] is True
    assert body["ocr"]["ok"] and {"kor", "eng"} <= set(body["ocr"]["languages"])
    spaces = {s["name"]: s for s in body["spaces"]}
    assert (
        spaces["e5-small"]["dimension"] == 384 and spaces["e5-small"]["device"] == "cpu"
    )
    assert {"name", "model", "available", "reason", "state"} <= set(
        spaces["fingerprint"]
    )


def test_health_is_degraded_when_an_active_space_is_unavailable(anon, corpus):
    body = anon.get("/health").json()
    clip = next(s for s in body["spaces"] if s["name"] == "clip-multilingual")
    assert clip["available"] is False and "laion5b" in clip["reason"]
    assert body["status"] == "degraded"


# ---- search -------------------------------------------------------------------------
def test_search_post_returns_the_documented_shape(anon, corpus):
    response = anon.post(
        "/api/search/", {"text": "머그컵", "k": 5, "debug": True}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "query",
        "results",
        "other_statuses",
        "total",
        "took_ms",
        "debug",
    }
    assert body["other_statuses"] == []  # anonymous: never
    top = body["results"][0]
    assert top["item_id"] == corpus.mug.pk
    assert set(top) == {
        "item_id",
        "title",
        "kind",
        "snippet",
        "thumbnail_url",
        "score",
        "explain",
        "passages",
    }
    assert top["passages"] == []  # only when asked for
    assert "fts" in top["explain"]["branches"] and "fts" in body["debug"]["branches"]


def test_search_by_image_b64_and_multipart(anon, corpus):
    by_b64 = anon.post(
        "/api/search/", {"image_b64": b64(corpus.photo_bytes)}, format="json"
    )
    assert by_b64.json()["results"][0]["item_id"] == corpus.photo.pk
    upload = SimpleUploadedFile("q.png", corpus.photo_bytes, content_type="image/png")
    by_file = anon.post("/api/search/", {"image": upload}, format="multipart")
    assert by_file.json()["results"][0]["item_id"] == corpus.photo.pk


def test_anonymous_search_and_similar_never_show_drafts(anon, corpus):
    body = anon.post("/api/search/", {"text": "머그컵", "image_b64": b64(corpus.photo_bytes),
                                      "filters": {"status": ["draft"]}}, format="json").json()  # fmt: skip
    assert corpus.draft.pk not in [r["item_id"] for r in body["results"]]
    similar = anon.get(f"/api/items/{corpus.photo.pk}/similar/").json()
    assert corpus.draft.pk not in [r["item_id"] for r in similar["results"]]
    assert anon.get(f"/api/items/{corpus.draft.pk}/similar/").status_code == 404


def test_search_get_clamps_k(anon, corpus):
    body = anon.get("/api/search/", {"q": "머그컵", "k": 5000}).json()
    assert body["query"]["k"] == 100


@pytest.mark.parametrize(
    ("body", "status", "param"),
    [
        ({}, 400, "non_field_errors"),
        ({"text": "x", "image_b64": "!!!notbase64"}, 400, "image_b64"),
        ({"text": "x", "preset": "60/40"}, 400, "preset"),
        ({"text": "x", "weights": {"fts": -1}}, 400, "weights"),
        ({"text": "x", "filters": {"kind": ["poster"]}}, 400, "filters"),
    ],
)
def test_search_input_errors(anon, db, body, status, param):
    response = anon.post("/api/search/", body, format="json")
    assert response.status_code == status
    assert response.json()["error"]["param"] == param


# ---- items --------------------------------------------------------------------------
def test_anonymous_reads_published_items_only_and_cannot_write(anon, corpus):
    listed = [i["id"] for i in anon.get("/api/items/").json()["results"]]
    assert corpus.mug.pk in listed and corpus.draft.pk not in listed
    assert anon.get(f"/api/items/{corpus.draft.pk}/").status_code == 404
    assert anon.post("/api/items/", {"title": "x"}, format="json").status_code == 401
    assert (
        anon.patch(
            f"/api/items/{corpus.mug.pk}/", {"title": "x"}, format="json"
        ).status_code
        == 401
    )
    assert anon.delete(f"/api/items/{corpus.mug.pk}/").status_code == 401


def test_staff_create_upload_patch_delete(staff, settings):
    created = staff.post("/api/items/", {"kind": "product", "title": " 보온 텀블러 ",
                                         "tags": ["Cup", "cup"], "status": "draft"}, format="json")  # fmt: skip
    assert created.status_code == 201, created.content
    item_id = created.json()["id"]
    assert created.json()["title"] == "보온 텀블러" and created.json()["tags"] == [
        "cup"
    ]
    assert {j["stage"] for j in created.json()["processing"]} >= {
        "ocr",
        "index",
        "embed",
    }

    upload = SimpleUploadedFile(
        "t.jpg", make_image_bytes("JPEG"), content_type="image/jpeg"
    )
    image = staff.post(f"/api/items/{item_id}/images/", {"image": upload, "caption": "앞면"},
                       format="multipart")  # fmt: skip
    assert image.status_code == 201 and image.json()["format"] == "JPEG"
    assert image.json()["thumbnail_url"].startswith("http")

    patched = staff.patch(
        f"/api/items/{item_id}/", {"status": "published"}, format="json"
    )
    assert patched.json()["status"] == "published" and patched.json()["published_at"]
    assert staff.delete(f"/api/items/{item_id}/").status_code == 204
    assert not Item.objects.filter(pk=item_id).exists()


def test_item_validation_errors_have_field_details(staff):
    response = staff.post("/api/items/", {"kind": "poster", "title": "   ", "metadata": [1]},
                          format="json")  # fmt: skip
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert {"kind", "title"} <= set(fields)


def test_bad_and_oversized_image_uploads(staff, settings):
    item = Item.objects.create(title="x", status=Status.PUBLISHED)
    bad = SimpleUploadedFile("x.png", b"not an image", content_type="image/png")
    response = staff.post(
        f"/api/items/{item.pk}/images/", {"image": bad}, format="multipart"
    )
    assert response.status_code == 400
    assert "not an image we can read" in response.json()["error"]["message"]
    settings.UPLOAD_MAX_BYTES = 1000
    big = SimpleUploadedFile(
        "x.bmp", make_image_bytes("BMP", size=(200, 200)), content_type="image/bmp"
    )
    response = staff.post(
        f"/api/items/{item.pk}/images/", {"image": big}, format="multipart"
    )
    assert response.status_code == 413
    assert not item.images.exists()


# ---- jobs and classify -------------------------------------------------------------------
def test_jobs_filter_by_item_and_hide_drafts(anon, corpus):
    jobs = anon.get("/api/jobs/", {"item": corpus.mug.pk}).json()["results"]
    assert jobs and {j["item"] for j in jobs} == {corpus.mug.pk}
    assert anon.get("/api/jobs/", {"item": corpus.draft.pk}).json()["results"] == []
    assert anon.get("/api/jobs/", {"item": "abc"}).status_code == 400


def test_classify_image_and_item_in_a_shared_space(anon, corpus):
    body = anon.post("/api/classify/", {"image_b64": b64(corpus.photo_bytes),
                                        "labels": ["box", "mug", "page"]}, format="json").json()  # fmt: skip
    assert body["model"] == "test-clip"
    assert abs(sum(label["probability"] for label in body["labels"]) - 1) < 1e-4
    by_item = anon.post("/api/classify/", {"item_id": corpus.photo.pk, "labels": ["a", "b"]},
                        format="json")  # fmt: skip
    assert by_item.status_code == 200
    both = anon.post("/api/classify/", {"item_id": corpus.photo.pk, "image_b64": "x",
                                        "labels": ["a", "b"]}, format="json")  # fmt: skip
    assert both.status_code == 400
    draft = anon.post(
        "/api/classify/",
        {"item_id": corpus.draft.pk, "labels": ["a", "b"]},
        format="json",
    )
    assert draft.status_code == 404


def test_classify_without_a_shared_space_is_503(anon, db):
    response = anon.post("/api/classify/", {"image_b64": b64(make_image_bytes()),
                                            "labels": ["a", "b"]}, format="json")  # fmt: skip
    assert response.status_code in (503,)
    assert (
        "image-and-text space" in response.json()["error"]["message"]
        or "unavailable" in response.json()["error"]["message"]
    )


def test_issue_token_command(django_user_model):
    from django.core.management import call_command

    django_user_model.objects.create_user("robot")
    out = io.StringIO()
    call_command("issue_token", "robot", stdout=out)
    key = out.getvalue().strip()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/v1/models").status_code == 200


def test_search_is_throttled_with_a_429_error(anon, db, monkeypatch):
    from django.core.cache import cache
    from rest_framework.throttling import ScopedRateThrottle

    cache.clear()
    monkeypatch.setattr(
        ScopedRateThrottle, "THROTTLE_RATES", {"search": "2/min", "embeddings": "2/min"}
    )
    codes = [anon.get("/api/search/", {"q": "x"}).status_code for _ in range(3)]
    assert codes[:2] == [200, 200] and codes[2] == 429
    assert (
        anon.get("/api/search/", {"q": "x"}).json()["error"]["type"]
        == "rate_limit_error"
    )


def test_unknown_api_urls_are_json_404s(anon, db):
    response = anon.get("/api/items/not-a-number/")
    assert response.status_code == 404
    assert response.json()["error"]["type"] == "not_found_error"


def test_schema_and_local_docs_page(anon, db):
    schema = anon.get("/api/schema/")
    assert schema.status_code == 200 and b"/v1/embeddings" in schema.content
    docs = anon.get("/api/docs/")
    assert docs.status_code == 200
    assert b"drf_spectacular_sidecar/swagger-ui-dist" in docs.content  # served locally


def test_list_limits_are_capped_and_huge_offsets_refused(anon, corpus):
    # Found by a long schemathesis run: limit=2.3e20 reached PostgreSQL (a 500).
    huge = "233704006185004597248"
    capped = anon.get("/api/items/", {"limit": huge})
    assert capped.status_code == 200
    assert len(capped.json()["results"]) <= 100
    refused = anon.get("/api/items/", {"offset": huge})
    assert refused.status_code == 400
    assert refused.json()["error"]["param"] == "offset"
    assert "at most 1000000" in refused.json()["error"]["message"]
    assert anon.get("/api/jobs/", {"limit": huge}).status_code == 200
