"""Hostile and broken input across the admin, the API and the pages.

Every case must end in a clear 4xx (or, in the admin, a form error), never a 500, and must
leave existing content as it was. Unusual but legitimate images (animated GIF, CMYK,
16-bit, EXIF-rotated) are accepted and processed correctly instead.
"""

from __future__ import annotations

import base64
import io
import json
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from rest_framework.test import APIClient

from embeddings.models import JobState, ProcessingJob
from items.models import Item, ItemImage
from items.services import add_image
from tests.admin_forms import item_inlines
from tests.conftest import make_image_bytes

pytestmark = pytest.mark.django_db


# ---- payloads ---------------------------------------------------------------------------


def png_chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def bomb_png(width: int = 100_000, height: int = 100_000) -> bytes:
    """A few hundred bytes whose header claims 10 gigapixels."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", rows)
        + png_chunk(b"IEND", b"")
    )  # fmt: skip


def pixel_flood() -> bytes:
    """A real, fully decodable 8000×6000 image (48 MP), small on disk."""
    out = io.BytesIO()
    Image.new("1", (8000, 6000)).save(out, format="PNG", optimize=True)
    return out.getvalue()


def truncated_png() -> bytes:
    data = make_image_bytes("PNG", size=(400, 300))
    return data[: len(data) // 3]


def corrupt_jpeg() -> bytes:
    data = bytearray(make_image_bytes("JPEG", size=(400, 300)))
    data[200:1200] = b"\xff\x00" * 500  # scrambled entropy-coded data
    return bytes(data)


HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"


def polyglot_png() -> bytes:
    """A valid PNG that a sniffing browser could also read as HTML."""
    return make_image_bytes("PNG") + HTML


def polyglot_png_in_chunk() -> bytes:
    """The HTML inside a text chunk, before the image data."""
    png = make_image_bytes("PNG")
    text = png_chunk(b"tEXt", b"Comment\x00" + HTML)
    return png[:33] + text + png[33:]


SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" '
    b'height="10"><script>alert(1)</script><rect width="10" height="10"/></svg>'
)
EPS = (
    b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n"
    b"newpath 0 0 moveto 10 10 lineto stroke\nshowpage\n%%EOF\n"
)

REFUSED_IMAGES: dict[str, Callable[[], bytes]] = {
    "truncated-png": truncated_png,
    "corrupt-jpeg": corrupt_jpeg,
    "decompression-bomb": bomb_png,
    "pixel-flood": pixel_flood,
    "polyglot-trailing-html": polyglot_png,
    "polyglot-html-chunk": polyglot_png_in_chunk,
    "svg": lambda: SVG,
    "eps": lambda: EPS,
    "html-named-png": lambda: HTML,
    "empty": lambda: b"",
}


def animated_gif() -> bytes:
    frames = [Image.new("P", (60, 40), color) for color in (1, 50, 100, 150)]
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:],
                   duration=80, loop=0)  # fmt: skip
    return out.getvalue()


def cmyk_jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("CMYK", (90, 60), (0, 120, 200, 10)).save(out, format="JPEG")
    return out.getvalue()


def png_16_bit() -> bytes:
    image = Image.new("I;16", (90, 60))
    image.paste(40000, (0, 0, 45, 60))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def exif_rotated_jpeg() -> bytes:
    """Stored 120×40 landscape, EXIF orientation 6: shown 40×120 portrait."""
    image = Image.new("RGB", (120, 40), "#3366cc")
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


ACCEPTED_IMAGES: dict[str, tuple[Callable[[], bytes], tuple[int, int]]] = {
    "animated-gif": (animated_gif, (60, 40)),
    "cmyk-jpeg": (cmyk_jpeg, (90, 60)),
    "16-bit-png": (png_16_bit, (90, 60)),
    "exif-rotated": (exif_rotated_jpeg, (40, 120)),
}


# ---- fixtures ---------------------------------------------------------------------------


@pytest.fixture
def staff(django_user_model) -> APIClient:
    client = APIClient()
    client.force_authenticate(
        django_user_model.objects.create_user("ed", is_staff=True)
    )
    return client


@pytest.fixture
def anon() -> APIClient:
    return APIClient()


@pytest.fixture
def editor(client, django_user_model):
    user = django_user_model.objects.create_superuser("editor", "e@example.com", "pw")
    client.force_login(user)
    return client


@pytest.fixture
def existing(make_item) -> Item:
    item = make_item(title="기존 문항", metadata={"answer": "3"})
    add_image(item=item, upload=io.BytesIO(make_image_bytes()), filename="kept.png")
    return item


def content_files(media_root: Path) -> set[Path]:
    """Stored item images and thumbnails (query images are kept elsewhere, briefly)."""
    return {
        path
        for folder in ("items", "thumbs")
        for path in (Path(media_root) / folder).rglob("*")
        if path.is_file()
    }


@pytest.fixture
def unchanged(existing, settings):
    """Asserts after the test that items, images and stored files are exactly as before."""

    def state():
        return (
            list(Item.objects.order_by("pk").values()),
            list(ItemImage.objects.order_by("pk").values()),
            content_files(settings.MEDIA_ROOT),
        )

    before = state()
    yield existing
    assert state() == before, "hostile input changed existing data"


def assert_refused(response, *, allowed=(400, 404, 413, 415)) -> None:
    assert response.status_code in allowed, (
        response.status_code,
        response.content[:500],
    )


def assert_api_error(response) -> None:
    assert_refused(response)
    body = response.json()
    assert body["error"]["message"], body


# ---- images: every surface that takes one ----------------------------------------------


def upload_file(name: str, data: bytes, content_type: str = "image/png"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def admin_item_post(*uploads, **fields) -> dict[str, object]:
    data: dict[str, object] = {
        "kind": "test_item", "title": "적대적 입력", "body": "본문", "subject": "",
        "tags": "", "language": "ko", "status": "draft", "metadata": "{}",
        **item_inlines(images=len(uploads)),
    }  # fmt: skip
    for index, upload in enumerate(uploads):
        data[f"images-{index}-image"] = upload
        data[f"images-{index}-caption"] = ""
        data[f"images-{index}-position"] = "0"
    data.update(fields)
    return data


def via_admin(clients, item, data: bytes, name: str):
    response = clients["editor"].post(
        reverse("admin:items_item_add"), admin_item_post(upload_file(name, data))
    )
    assert response.status_code == 200, response.status_code  # the form, with errors
    errors = response.context["inline_admin_formsets"][0].formset.errors
    assert any(form_errors.get("image") for form_errors in errors), errors
    return response


def via_api_images(clients, item, data: bytes, name: str):
    response = clients["staff"].post(
        f"/api/items/{item.pk}/images/", {"image": upload_file(name, data)},
        format="multipart",
    )  # fmt: skip
    assert_api_error(response)
    return response


def via_api_search_file(clients, item, data: bytes, name: str):
    response = clients["anon"].post(
        "/api/search/", {"image": upload_file(name, data)}, format="multipart"
    )
    assert_api_error(response)
    return response


def via_api_search_b64(clients, item, data: bytes, name: str):
    response = clients["anon"].post(
        "/api/search/", {"image_b64": base64.b64encode(data).decode() or "="},
        format="json",
    )  # fmt: skip
    assert_api_error(response)
    return response


def via_page(clients, item, data: bytes, name: str):
    response = clients["page"].post(
        reverse("search:image"), {"image": upload_file(name, data)}
    )
    assert_refused(response)
    assert b"notice--error" in response.content
    return response


def via_embeddings(clients, item, data: bytes, name: str):
    uri = "data:image/png;base64," + (base64.b64encode(data).decode() or "=")
    response = clients["staff"].post(
        "/v1/embeddings", {"model": "fingerprint", "input": [uri]}, format="json"
    )
    assert_api_error(response)
    return response


def via_classify(clients, item, data: bytes, name: str):
    response = clients["anon"].post(
        "/api/classify/",
        {"image_b64": base64.b64encode(data).decode() or "=", "labels": ["a", "b"],
         "model": "test-clip"},
        format="json",
    )  # fmt: skip
    assert_api_error(response)
    return response


SURFACES = {
    "admin": via_admin,
    "api-images": via_api_images,
    "api-search-file": via_api_search_file,
    "api-search-b64": via_api_search_b64,
    "page-search": via_page,
    "v1-embeddings": via_embeddings,
    "classify": via_classify,
}


@pytest.fixture
def clients(client, editor, staff, anon, test_clip_space):
    from django.test import Client

    return {"editor": editor, "staff": staff, "anon": anon, "page": Client()}


@pytest.mark.parametrize("surface", SURFACES)
@pytest.mark.parametrize("payload", REFUSED_IMAGES)
def test_hostile_image_is_refused_everywhere(clients, unchanged, surface, payload):
    data = REFUSED_IMAGES[payload]()
    SURFACES[surface](clients, unchanged, data, "upload.png")


@pytest.mark.parametrize("payload", ACCEPTED_IMAGES)
def test_unusual_but_valid_images_are_stored_upright_and_processed(
    staff, existing, run_pipeline, payload
):
    build, (width, height) = ACCEPTED_IMAGES[payload]
    response = staff.post(
        f"/api/items/{existing.pk}/images/",
        {"image": upload_file(f"{payload}.img", build())}, format="multipart",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["width"], body["height"]) == (width, height)
    image = ItemImage.objects.get(pk=body["id"])
    with Image.open(image.thumbnail.path) as thumb:
        assert thumb.format == "WEBP" and thumb.mode in ("RGB", "RGBA")
    run_pipeline(existing)
    failed = ProcessingJob.objects.filter(item=existing, state=JobState.FAILED)
    assert not failed.exists(), list(failed.values("stage", "last_error"))


# ---- file names ---------------------------------------------------------------------------

HOSTILE_NAMES = [
    "../../../../etc/passwd.png",
    "..\\..\\windows\\win.ini.png",
    "/absolute/path.png",
    "nul\x00byte.png",
    "line\r\nbreak.png",
    "tab\tand\x07bell.png",
    "<script>alert(1)</script>.png",
    "\u202egnp.exe",
    "가" * 400 + ".png",
    ".png",
    "   ",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=range(len(HOSTILE_NAMES)))
@pytest.mark.parametrize("surface", ["api", "admin"])
def test_hostile_file_names_are_stored_safely(staff, editor, existing, settings, surface,
                                              name):  # fmt: skip
    before = ItemImage.objects.count()
    upload = upload_file(name, make_image_bytes())
    if surface == "api":
        response = staff.post(f"/api/items/{existing.pk}/images/", {"image": upload},
                              format="multipart")  # fmt: skip
        assert response.status_code in (201, 400), response.content
    else:
        response = editor.post(reverse("admin:items_item_add"), admin_item_post(upload))
        assert response.status_code in (200, 302), response.status_code
    for image in ItemImage.objects.all()[before:]:
        stored = Path(image.image.path).resolve()
        assert stored.is_relative_to(Path(settings.MEDIA_ROOT).resolve() / "items")
        assert "/" not in image.original_name and "\\" not in image.original_name
        assert not any(ord(c) < 32 or c == "\x7f" for c in image.original_name)
        assert len(image.original_name) <= 255


# ---- text fields -------------------------------------------------------------------------

NUL_FIELDS = [
    {"title": "제목\x00"},
    {"body": "본문\x00끝"},
    {"subject": "\x00"},
    {"tags": ["태그\x00"]},
    {"metadata": {"answer": "3\x00"}},
    {"metadata": {"key\x00": "v"}},
    {"metadata": {"nested": ["\x00"]}},
]


@pytest.mark.parametrize("fields", NUL_FIELDS, ids=range(len(NUL_FIELDS)))
def test_nul_bytes_in_api_fields_are_refused(staff, unchanged, fields):
    item = {"kind": "product", "title": "보온병", "status": "draft", **fields}
    assert_api_error(staff.post("/api/items/", item, format="json"))
    assert_api_error(staff.patch(f"/api/items/{unchanged.pk}/", fields, format="json"))


ADMIN_NUL_FIELDS = [
    {"title": "제목\x00"},
    {"body": "본문\x00"},
    {"tags": "a\x00b"},
    {"metadata": '{"answer": "\\u0000"}'},
    {"metadata": '{"\\u0000": 1}'},
    {"metadata": '{"answer": NaN}'},
    {"metadata": '{"answer": -Infinity}'},
    {"metadata": "[" * 100_000},
]


@pytest.mark.parametrize("fields", ADMIN_NUL_FIELDS, ids=range(len(ADMIN_NUL_FIELDS)))
def test_nul_bytes_and_bad_json_in_the_admin_are_form_errors(editor, unchanged, fields):
    response = editor.post(reverse("admin:items_item_add"), admin_item_post(**fields))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    change = reverse("admin:items_item_change", args=[unchanged.pk])
    data = admin_item_post(**{"title": unchanged.title, **fields})
    response = editor.post(change, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors


# ---- queries -----------------------------------------------------------------------------

MEGABYTE = "광합성 " * (1024 * 1024 // 10)
QUERIES = {
    "nul": "삼각형\x00넓이",
    "megabyte": MEGABYTE,
    "tsquery-syntax": "a & | ! ( ) : * <-> <2> ' \" \\",
    "tsquery-only-operators": "&&& ||| !!! :*",
    "sql": "'; DROP TABLE items_item; --",
    "sql-union": "1' UNION SELECT password FROM auth_user --",
    "like-wildcards": "%_%\\%",
    "control-chars": "\x01\x02\x1b[31m\x7f",
    "lone-surrogate-escape": "\\ud800",
    "only-spaces": "   \t  ",
}


def assert_search_answered(response) -> None:
    """A query is either answered (200) or refused with a clear 400 — never a 500."""
    assert response.status_code in (200, 400), (
        response.status_code,
        response.content[:300],
    )


@pytest.mark.parametrize("query", QUERIES)
def test_hostile_queries_on_the_search_page(client, unchanged, query):
    response = client.get(reverse("search:home"), {"q": QUERIES[query]})
    assert_search_answered(response)
    if query in ("nul", "megabyte"):
        assert response.status_code == 400


@pytest.mark.parametrize("query", QUERIES)
def test_hostile_queries_on_the_api(anon, unchanged, query):
    got = anon.get("/api/search/", {"q": QUERIES[query]})
    posted = anon.post("/api/search/", {"text": QUERIES[query]}, format="json")
    for response in (got, posted):
        assert_search_answered(response)
        if query in ("nul", "megabyte"):
            assert_api_error(response)
    assert Item.objects.filter(pk=unchanged.pk).exists()


def test_sql_looking_query_finds_nothing_and_drops_nothing(
    anon, unchanged, run_pipeline
):
    run_pipeline(unchanged)
    response = anon.get("/api/search/", {"q": QUERIES["sql"]})
    assert response.status_code == 200
    assert Item.objects.count() == 1 and ItemImage.objects.count() == 1


# ---- embedding-style inputs ---------------------------------------------------------------

EMBEDDING_REQUESTS = {
    "nan-dimensions": '{"model": "e5-small", "input": "a", "dimensions": NaN}',
    "infinite-dimensions": '{"model": "e5-small", "input": "a", "dimensions": 1e999}',
    "huge-dimensions": '{"model": "e5-small", "input": "a", "dimensions": 100000}',
    "zero-dimensions": '{"model": "e5-small", "input": "a", "dimensions": 0}',
    "float-dimensions": '{"model": "e5-small", "input": "a", "dimensions": 12.5}',
    "token-arrays": '{"model": "e5-small", "input": [[1, 2, 3]]}',
    "vector-as-input": '{"model": "e5-small", "input": [0.1, NaN, 0.3]}',
    "empty-list": '{"model": "e5-small", "input": []}',
    "too-many": json.dumps({"model": "e5-small", "input": ["a"] * 1000}),
    "nul-text": '{"model": "e5-small", "input": "a\\u0000b"}',
    "unknown-model": '{"model": "../../etc/passwd", "input": "a"}',
    "text-to-image-model": '{"model": "fingerprint", "input": "a"}',
    "bad-base64": '{"model": "fingerprint", "input": "data:image/png;base64,@@@!!"}',
    "base64-no-padding": '{"model": "fingerprint", "input": "data:image/png;base64,iVBORw0KGgo"}',
    "not-json": "{model: e5-small",
    "json-array": "[1, 2, 3]",
    "deep-nesting": "[" * 50_000 + "]" * 50_000,
}


@pytest.mark.parametrize("body", EMBEDDING_REQUESTS)
def test_hostile_embedding_requests(staff, unchanged, body):
    response = staff.post(
        "/v1/embeddings", EMBEDDING_REQUESTS[body], content_type="application/json"
    )
    assert_api_error(response)


SEARCH_REQUESTS = {
    "nan-weight": '{"text": "a", "weights": {"fts": NaN}}',
    "infinite-weight": '{"text": "a", "weights": {"fts": 1e999}}',
    "string-nan-weight": '{"text": "a", "weights": {"fts": "nan"}}',
    "string-infinite-weight": '{"text": "a", "weights": {"fts": "Infinity"}}',
    "negative-weight": '{"text": "a", "weights": {"fts": -1}}',
    "huge-page": '{"text": "a", "page": 99999999999}',
    "rrf-k-nan": '{"text": "a", "rrf_k": NaN}',
    "mode-sql": '{"text": "a", "mode": "fts\'; DROP TABLE items_item; --"}',
    "filters-not-object": '{"text": "a", "filters": "kind=product"}',
    "filter-nul-tag": '{"text": "a", "filters": {"tags": ["\\u0000"]}}',
    "bad-base64": '{"image_b64": "@@@ not base64 @@@"}',
    "data-uri-b64": '{"image_b64": "data:image/png;base64,iVBORw0KGgo="}',
}


@pytest.mark.parametrize("body", SEARCH_REQUESTS)
def test_hostile_search_requests(anon, unchanged, body):
    response = anon.post(
        "/api/search/", SEARCH_REQUESTS[body], content_type="application/json"
    )
    assert_api_error(response)


CLASSIFY_REQUESTS = {
    "nan-item": '{"item_id": NaN, "labels": ["a", "b"]}',
    "too-many-labels": json.dumps({"item_id": 1, "labels": ["x"] * 1000}),
    "nul-label": '{"item_id": 1, "labels": ["a\\u0000", "b"]}',
    "huge-template": json.dumps(
        {"item_id": 1, "labels": ["a", "b"], "template": "{}" + "x" * 100_000}
    ),
    "bad-base64": '{"image_b64": "%%%", "labels": ["a", "b"], "model": "test-clip"}',
}


@pytest.mark.parametrize("body", CLASSIFY_REQUESTS)
def test_hostile_classify_requests(anon, unchanged, test_clip_space, body):
    response = anon.post(
        "/api/classify/", CLASSIFY_REQUESTS[body], content_type="application/json"
    )
    assert_api_error(response)


# ---- bodies and fields ---------------------------------------------------------------------


def test_oversized_json_body_is_refused(anon, unchanged, settings):
    body = json.dumps(
        {"text": "a", "pad": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)}
    )
    response = anon.post("/api/search/", body, content_type="application/json")
    assert response.status_code in (400, 413), response.status_code


def test_oversized_upload_is_refused_before_decoding(staff, unchanged, settings):
    settings.UPLOAD_MAX_BYTES = 50_000
    data = make_image_bytes("BMP", size=(400, 300))  # 360 KB uncompressed
    response = staff.post(f"/api/items/{unchanged.pk}/images/",
                          {"image": upload_file("big.bmp", data)}, format="multipart")  # fmt: skip
    assert response.status_code == 413
    assert response.json()["error"]["message"]


def too_many_fields() -> dict[str, str]:
    return {f"field{n}": "x" for n in range(5000)}


def test_too_many_fields_in_the_admin(editor, unchanged):
    response = editor.post(reverse("admin:items_item_add"),
                           {**admin_item_post(), **too_many_fields()})  # fmt: skip
    assert response.status_code == 400


def test_too_many_fields_in_the_api(staff, unchanged):
    response = staff.post(f"/api/items/{unchanged.pk}/images/", too_many_fields(),
                          format="multipart")  # fmt: skip
    assert_api_error(response)


def test_too_many_query_parameters_on_the_page(client, unchanged):
    response = client.get(reverse("search:home"), too_many_fields())
    assert response.status_code == 400


def test_too_many_query_parameters_on_the_api(anon, unchanged):
    response = anon.get("/api/search/", {"q": "a", **too_many_fields()})
    assert_api_error(response)


@pytest.mark.parametrize(
    "path", ["/api/items/99999999999999999999/", "/items/99999999999999999999/",
             "/api/items/1/similar/?k=NaN", "/api/jobs/?item=%00",
             "/media/../../etc/passwd",
             "/media/items/%00.png"],
)  # fmt: skip
def test_hostile_paths_and_parameters(anon, unchanged, path):
    response = anon.get(path)
    assert 400 <= response.status_code < 500, (response.status_code, path)


PAGE_PARAMETERS = [
    {"q": "a", "mode": "fts'; DROP TABLE items_item; --"},
    {"q": "a", "rrf_k": "NaN"},
    {"q": "a", "rrf_k": "1e999"},
    {"q": "a", "page": "-1"},
    {"q": "a", "page": "99999999999999999999999"},
    {"q": "a", "kind": "<script>alert(1)</script>"},
    {"q": "a", "tag": "태그" * 1000},
    {"q": "a", "tag": "a\x00"},
    {"img": "../../../etc/passwd"},
    {"img": "0" * 64},
]


@pytest.mark.parametrize("params", PAGE_PARAMETERS, ids=range(len(PAGE_PARAMETERS)))
def test_hostile_search_page_parameters(client, unchanged, params):
    response = client.get(reverse("search:home"), params)
    assert response.status_code in (400, 404), response.status_code
    assert b"notice--error" in response.content
    assert b"<script>alert(1)</script>" not in response.content  # escaped if echoed
