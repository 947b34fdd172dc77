"""PDF uploads: good PDFs are accepted with their page count; hostile ones are refused with
their own message in the check, the API and the admin, and nothing is saved."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from embeddings.models import ProcessingJob, Stage
from items.models import ItemFile, Status
from items.pdf_uploads import check_pdf_upload
from tests.admin_forms import item_inlines
from tests.conftest import render_lines
from tests.pdfs import BombPage, ScanPage, TextPage, build_pdf, text_pdf

GOOD = text_pdf(["Pump maintenance manual"], ["Page two"])


def refused(data: bytes, **limits: int) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        check_pdf_upload(io.BytesIO(data), **limits)
    return info.value


def test_a_text_pdf_is_accepted_with_its_page_count_and_hash():
    checked = check_pdf_upload(io.BytesIO(GOOD))
    assert checked.page_count == 2
    assert checked.content == GOOD
    assert len(checked.sha256) == 64


def test_a_scanned_pdf_is_accepted():
    scan = build_pdf([ScanPage(render_lines(["스캔한 안내문"]))])
    assert check_pdf_upload(io.BytesIO(scan)).page_count == 1


# Each hostile PDF, and the words its refusal must contain.
HOSTILE = {
    "not a pdf": (b"<html><body>hello</body></html>", "not_pdf", "not a PDF"),
    "damaged": (b"%PDF-1.4\n" + bytes(range(256)) * 40, "corrupt", "damaged"),
    "truncated header": (b"%PDF-1.7\n%%EOF", "corrupt", "damaged"),
    "encrypted": (
        build_pdf([TextPage(("secret",))], encrypted=True),
        "encrypted",
        "password-protected",
    ),
    # PDFium does not open a document without pages at all.
    "no pages": (build_pdf([]), "corrupt", "damaged"),
    "huge page": (
        build_pdf([TextPage(("wide",), size=(20_000, 300))]),
        "page_size",
        "Page 1 is 20000×300 points",
    ),
    # 300 MB of spaces in about 300 KB: past the default 256 MB inflation limit.
    "decompression bomb": (
        build_pdf([BombPage(inflated_bytes=300 * 1024 * 1024)]),
        "bomb",
        "decompression bomb",
    ),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_pdfs_are_refused_with_their_reason(name):
    data, code, words = HOSTILE[name]
    error = refused(data)
    assert error.code == code
    assert words in error.message


def test_page_and_size_limits_are_configurable(settings):
    five = text_pdf(*[[f"page {n}"] for n in range(1, 6)])
    error = refused(five, max_pages=3)
    assert error.code == "too_many_pages"
    assert "5 pages; the limit is 3" in error.message
    error = refused(five, max_bytes=len(five) - 1)
    assert error.code == "too_large"
    settings.PDF_MAX_INFLATED_BYTES = 1024 * 1024
    assert refused(build_pdf([BombPage(inflated_bytes=3 * 1024 * 1024)])).code == "bomb"


# ---- API -----------------------------------------------------------------------------------
@pytest.fixture
def staff(django_user_model) -> APIClient:
    client = APIClient()
    client.force_authenticate(
        django_user_model.objects.create_user("ed", is_staff=True)
    )
    return client


def pdf_upload(data: bytes, name: str = "manual.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def media_files(settings) -> set[Path]:
    root = Path(settings.MEDIA_ROOT)
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


@pytest.mark.django_db
def test_api_upload_creates_the_file_and_queues_its_pages(staff, make_item):
    item = make_item(title="Pump manual", status=Status.DRAFT)
    response = staff.post(
        f"/api/items/{item.pk}/files/", {"file": pdf_upload(GOOD)}, format="multipart"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["original_name"] == "manual.pdf"
    assert body["page_count"] == 2 and body["pages_rendered"] == 0
    assert body["url"].startswith("http") and body["url"].endswith(".pdf")
    assert ProcessingJob.objects.filter(item=item, stage=Stage.PAGES).exists()
    detail = staff.get(f"/api/items/{item.pk}/").json()
    assert [f["id"] for f in detail["files"]] == [body["id"]]
    assert detail["images"] == []


@pytest.mark.django_db
def test_api_upload_of_the_same_bytes_returns_the_stored_file(staff, make_item):
    item = make_item(title="Pump manual")
    first = staff.post(
        f"/api/items/{item.pk}/files/", {"file": pdf_upload(GOOD)}, format="multipart"
    )
    ProcessingJob.objects.filter(item=item).update(state="done")
    again = staff.post(
        f"/api/items/{item.pk}/files/",
        {"file": pdf_upload(GOOD, "copy.pdf")},
        format="multipart",
    )
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert ItemFile.objects.filter(item=item).count() == 1
    assert not ProcessingJob.objects.filter(item=item).exclude(state="done").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["encrypted", "decompression bomb", "not a pdf"])
def test_api_refuses_hostile_pdfs_and_saves_nothing(staff, make_item, settings, name):
    item = make_item(title="Pump manual")
    before = media_files(settings)
    response = staff.post(
        f"/api/items/{item.pk}/files/",
        {"file": pdf_upload(HOSTILE[name][0])},
        format="multipart",
    )
    assert response.status_code == 400
    assert HOSTILE[name][2] in response.json()["error"]["message"]
    assert not ItemFile.objects.exists()
    assert media_files(settings) == before


@pytest.mark.django_db
def test_api_oversized_pdf_is_a_413(staff, make_item, settings):
    settings.PDF_MAX_BYTES = 100
    item = make_item(title="Pump manual")
    response = staff.post(
        f"/api/items/{item.pk}/files/", {"file": pdf_upload(GOOD)}, format="multipart"
    )
    assert response.status_code == 413
    assert not ItemFile.objects.exists()


@pytest.mark.django_db
def test_anonymous_visitors_cannot_upload(make_item):
    item = make_item(title="Pump manual")
    response = APIClient().post(
        f"/api/items/{item.pk}/files/", {"file": pdf_upload(GOOD)}, format="multipart"
    )
    assert response.status_code in (401, 403)
    assert not ItemFile.objects.exists()


# ---- admin ---------------------------------------------------------------------------------
@pytest.fixture
def editor_client(client, django_user_model):
    client.force_login(
        django_user_model.objects.create_superuser("editor", "e@example.com", "pw-1")
    )
    return client


def item_form(pdf: SimpleUploadedFile) -> dict[str, object]:
    return {
        "kind": "document", "title": "펌프 설명서", "body": "", "subject": "",
        "tags": "", "language": "mixed", "status": "draft", "metadata": "{}",
        **item_inlines(files=1), "files-0-file": pdf,
    }  # fmt: skip


@pytest.mark.django_db
def test_admin_upload_saves_the_pdf_and_shows_its_progress(editor_client):
    response = editor_client.post(
        reverse("admin:items_item_add"), item_form(pdf_upload(GOOD))
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    file = ItemFile.objects.get()
    assert file.page_count == 2 and file.original_name == "manual.pdf"
    page = editor_client.get(reverse("admin:items_item_change", args=[file.item_id]))
    html = page.content.decode()
    assert "manual.pdf · 2 page(s)" in html
    assert '<progress class="portal-progress" value="0" max="2">' in html


@pytest.mark.django_db
def test_admin_refuses_an_encrypted_pdf_with_a_form_error(editor_client, settings):
    before = media_files(settings)
    response = editor_client.post(
        reverse("admin:items_item_add"),
        item_form(pdf_upload(HOSTILE["encrypted"][0])),
    )
    assert response.status_code == 200
    assert "password-protected" in response.content.decode()
    assert not ItemFile.objects.exists()
    assert media_files(settings) == before
