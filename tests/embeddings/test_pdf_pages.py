"""PDF items through the real pipeline: pages rendered with their text layers, scans read by
OCR, page images embedded, page citations in RAG, page-by-page jobs, and no new work for
an unchanged file."""

from __future__ import annotations

import io
import os

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from embeddings.models import (
    Embedding,
    JobState,
    OcrResult,
    ProcessingJob,
    SearchDocument,
    Stage,
)
from embeddings.processing import pipeline
from embeddings.processing.jobs import claim_job
from embeddings.processing.reprocess import items_missing
from embeddings.runtime.registry import forget
from embeddings.text.documents import split_parts
from items.models import Item, ItemFile, ItemImage, ItemKind, Language, Status
from items.services import add_file, apply_checked_pdf, check_pdf_upload
from tests.conftest import render_lines
from tests.pdfs import ScanPage, TextPage, build_pdf, text_pdf

pytestmark = pytest.mark.django_db

MANUAL = (
    ["Pump maintenance manual", "Chapter one: safety first."],
    ["Chapter two: opening the housing with a hex key."],
    ["Chapter three: replace the impeller gasket every spring."],
)
SCAN_LINES = ["비커 세척 당번표", "실험실 안전 수칙"]


@pytest.fixture(autouse=True)
def _fresh_encoders():
    forget()
    yield
    forget()


def document(make_item, pdf: bytes, **fields) -> tuple[Item, ItemFile]:
    item = make_item(
        **{"title": "Pump manual", "body": "", "kind": ItemKind.DOCUMENT,
           "language": Language.MIXED, **fields}
    )  # fmt: skip
    file, created = add_file(item=item, upload=io.BytesIO(pdf), filename="manual.pdf")
    assert created
    return item, file


def pages_of(file: ItemFile) -> list[ItemImage]:
    return list(file.pages.order_by("page_number"))


def test_a_text_pdf_becomes_pages_with_their_text_and_no_ocr(
    make_item, test_clip_space, run_pipeline
):
    item, file = document(make_item, text_pdf(*MANUAL))
    run_pipeline(item)

    pages = pages_of(file)
    assert [p.page_number for p in pages] == [1, 2, 3]
    assert "impeller gasket" in pages[2].text_layer
    assert all(p.format == "PNG" and p.thumbnail for p in pages)
    # Stored, not read from the files whenever a row is loaded.
    sizes = set(file.pages.values_list("width", "height"))
    assert sizes == {(1700, 2200)}  # US Letter at 200 dpi
    assert not OcrResult.objects.filter(image__in=pages).exists()  # exact text: no OCR
    text = SearchDocument.objects.get(item=item).text
    assert "hex key" in text and "impeller gasket" in text
    assert (
        Embedding.objects.filter(
            space=test_clip_space, image__in=pages, source="image"
        ).count()
        == 3
    )
    assert set(ProcessingJob.objects.filter(item=item).values_list("stage", flat=True)) >= {
        "pages", "ocr", "index", "embed",
    }  # fmt: skip
    assert (
        ProcessingJob.objects.get(item=item, stage=Stage.PAGES).state == JobState.DONE
    )

    # Where each page's text sits is stored with the text: passages need no page rows.
    stored = SearchDocument.objects.get(item=item)
    assert [(page, anchor) for _, _, page, anchor in stored.pages] == [
        (n, f"page-{file.pk}-{n}") for n in (1, 2, 3)
    ]
    for (start, end, _, _), page in zip(stored.pages, pages, strict=True):
        assert stored.text[start:end] == page.text_layer
    title, _, extra = split_parts(stored.text, stored.part_lengths)
    assert title == "Pump manual" and "impeller gasket" in extra

    html = APIClient().get(f"/items/{item.pk}/").content.decode()
    assert html.count('class="page"') == 3
    assert f'id="page-{file.pk}-3"' in html and "Text of page 3" in html
    assert "impeller gasket" in html and file.file.url in html


def test_a_scanned_korean_pdf_is_read_by_ocr(make_item, test_clip_space, run_pipeline):
    scan = build_pdf([ScanPage(render_lines(SCAN_LINES))])
    item, file = document(make_item, scan, title="실험실 안내문")
    run_pipeline(item)

    (page,) = pages_of(file)
    assert page.text_layer == ""
    ocr = OcrResult.objects.get(image=page)
    assert "비커" in ocr.text and "안전" in ocr.text
    assert "비커" in SearchDocument.objects.get(item=item).text


def test_a_mixed_pdf_cites_page_three_for_a_phrase_on_page_three(
    make_item, test_clip_space, run_pipeline
):
    mixed = build_pdf(
        [
            TextPage(tuple(MANUAL[0])),
            ScanPage(render_lines(SCAN_LINES)),
            TextPage(tuple(MANUAL[2])),
        ]
    )
    item, file = document(make_item, mixed, status=Status.PUBLISHED)
    run_pipeline(item)

    pages = pages_of(file)
    assert OcrResult.objects.filter(image__in=pages).count() == 1  # the scan only
    assert "비커" in pages[1].ocr.text
    response = APIClient().post(
        "/api/rag/context",
        {"question": "How often is the impeller gasket replaced?"},
        format="json",
    )
    assert response.status_code == 200, response.content
    first = response.json()["passages"][0]
    assert first["item_id"] == item.pk
    assert first["page"] == 3
    assert first["url"].endswith(f"/items/{item.pk}/#page-{file.pk}-3")
    assert "impeller gasket" in first["text"]


def test_the_same_file_again_does_no_new_work(make_item, test_clip_space, run_pipeline):
    pdf = text_pdf(*MANUAL)
    item, file = document(make_item, pdf)
    run_pipeline(item)
    rendered = [(p.pk, p.sha256) for p in pages_of(file)]

    again, created = add_file(item=item, upload=io.BytesIO(pdf), filename="again.pdf")
    assert (again.pk, created) == (file.pk, False)
    assert (
        not ProcessingJob.objects.filter(item=item)
        .exclude(state__in=["done", "waiting"])
        .exists()
    )
    # Even a full pass finds nothing to render: the pages are from these bytes.
    assert pipeline.STAGES[Stage.PAGES].run(item=item, space=None) == 0
    assert [(p.pk, p.sha256) for p in pages_of(file)] == rendered


def test_a_long_pdf_is_rendered_a_few_pages_per_run_before_ocr_starts(
    make_item, settings, run_pipeline
):
    settings.PDF_PAGES_PER_JOB = 2
    item, file = document(
        make_item, text_pdf(*[[f"Section {n} text body"] for n in range(1, 6)])
    )
    pages_job = ProcessingJob.objects.get(item=item, stage=Stage.PAGES)
    ocr_job = ProcessingJob.objects.get(item=item, stage=Stage.OCR)

    assert pipeline.run_job(pages_job.pk) == "continued"
    assert file.pages.count() == 2
    pages_job.refresh_from_db()
    assert pages_job.state == JobState.PENDING and pages_job.attempts == 0
    assert claim_job(ocr_job.pk) is None  # OCR waits for the rest of the pages
    assert pipeline.run_job(pages_job.pk) == "continued"
    assert pipeline.run_job(pages_job.pk) == "done"
    assert [p.page_number for p in pages_of(file)] == [1, 2, 3, 4, 5]
    run_pipeline(item)
    assert "Section 5" in SearchDocument.objects.get(item=item).text


def test_a_replaced_file_is_rendered_again_and_its_old_pages_dropped(
    make_item, run_pipeline, django_capture_on_commit_callbacks
):
    item, file = document(make_item, text_pdf(*MANUAL))
    run_pipeline(item)
    old_paths = [p.image.path for p in pages_of(file)]

    replacement = text_pdf(["A different booklet about valves."])
    with django_capture_on_commit_callbacks(execute=True):
        # What the admin's file form does when an editor picks another file.
        checked = check_pdf_upload(io.BytesIO(replacement))
        apply_checked_pdf(file=file, checked=checked, original_name="valves.pdf")
        file.save()
        run_pipeline(item)

    (page,) = pages_of(file)
    assert "valves" in page.text_layer
    assert "impeller" not in SearchDocument.objects.get(item=item).text
    assert not any(os.path.exists(path) for path in old_paths)


def test_deleting_the_pdf_removes_its_pages_text_and_files(
    make_item, run_pipeline, django_capture_on_commit_callbacks
):
    item, file = document(make_item, text_pdf(*MANUAL))
    run_pipeline(item)
    paths = [file.file.path] + [p.image.path for p in pages_of(file)]
    with django_capture_on_commit_callbacks(execute=True):
        file.delete()
    run_pipeline(item)
    assert not ItemImage.objects.filter(item=item).exists()
    assert "impeller" not in SearchDocument.objects.get(item=item).text
    assert not any(os.path.exists(path) for path in paths)


def test_reindex_renders_missing_pages_in_one_pass(make_item, settings):
    settings.PDF_PAGES_PER_JOB = 2
    item, file = document(
        make_item, text_pdf(*[[f"Part {n} of the guide"] for n in range(1, 6)])
    )
    assert list(items_missing(stage=Stage.PAGES)) == [item]
    call_command("reindex", "--missing", "--stage", "pages", stdout=io.StringIO())
    assert file.pages.count() == 5
    assert not items_missing(stage=Stage.PAGES).exists()


def test_draft_pdfs_and_their_pages_are_not_served_to_visitors(make_item, run_pipeline):
    item, file = document(make_item, text_pdf(*MANUAL), status=Status.DRAFT)
    run_pipeline(item)
    visitor = APIClient()
    assert visitor.get(file.file.url).status_code == 404
    assert visitor.get(pages_of(file)[0].image.url).status_code == 404
    Item.objects.filter(pk=item.pk).update(status=Status.PUBLISHED)
    response = visitor.get(file.file.url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
