"""The demo set: catalog, image renderers, the loader and the `load_demo` command."""

from __future__ import annotations

import io
from collections import Counter

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management import call_command
from PIL import Image

from items.demo import images
from items.demo.catalog import CATALOG, RENDERERS, CatalogError, load_catalog
from items.demo.loader import DemoSummary, load_demo
from items.models import Item, ItemImage, ItemKind, Language, Status
from items.pdf_uploads import check_pdf_upload

DARK = 96  # grey level below which a pixel counts as ink


def _demo_items():
    return Item.objects.filter(metadata__has_key="demo_key")


def _open(field_file) -> Image.Image:
    with field_file.open("rb") as handle:
        image = Image.open(io.BytesIO(handle.read()))
        image.load()
    return image


def _assert_images_sound() -> None:
    """Every image decodes and has a thumbnail; scanned pages carry dark text."""
    stored = ItemImage.objects.select_related("item")
    for record in stored:
        image = _open(record.image)
        assert (image.width, image.height) == (record.width, record.height)
        assert record.thumbnail.name, record.original_name
        thumb = _open(record.thumbnail)
        assert max(thumb.size) <= settings.THUMBNAIL_SIZE
        if record.item.kind == ItemKind.DOCUMENT:
            assert record.page_number == record.position + 1
            assert image.format == "JPEG"
            gray = image.convert("L")
            ink = sum(gray.histogram()[:DARK]) / (gray.width * gray.height)
            # Text, not a blank or a black page.
            assert 0.005 < ink < 0.3, (record.original_name, ink)
        elif record.item.kind == ItemKind.TEST_ITEM:
            assert image.format == "PNG"


def test_catalog_keys_are_unique_and_the_mix_is_complete() -> None:
    keys = [spec.key for spec in CATALOG]
    assert len(keys) == len(set(keys)) >= 45
    kinds = Counter(spec.kind for spec in CATALOG)
    assert kinds[ItemKind.TEST_ITEM] >= 20
    assert kinds[ItemKind.PRODUCT] >= 13
    assert kinds[ItemKind.DOCUMENT] >= 12
    assert {spec.language for spec in CATALOG} == set(Language)
    assert {spec.status for spec in CATALOG} == set(Status)
    assert any(not spec.images for spec in CATALOG)
    for spec in CATALOG:
        if spec.kind == ItemKind.TEST_ITEM:
            assert spec.metadata["answer"] in "①②③④⑤", spec.key


def test_catalog_file_entries_become_specs_drawn_by_registered_renderers(tmp_path):
    entry = """
[[items]]
key = "q-demo"
kind = "question"
title = "막대그래프 읽기"
body = "그래프를 보고 답하시오."
subject = "수학"
language = "ko"
status = "review"
tags = ["그래프"]
[items.metadata]
answer = "②"
[[items.images]]
name = "q-demo"
style = "figure"
render = "bar_chart"
caption = "그림 1"
alt = "막대그래프"
[items.images.options]
title = "좋아하는 과목"
categories = ["국어", "수학"]
values = [3, 5]
x_label = "과목"
y_label = "학생 수"
"""
    path = tmp_path / "catalog.toml"
    path.write_text(entry, encoding="utf-8")
    (spec,) = load_catalog(path)
    assert (spec.key, spec.kind, spec.status) == (
        "q-demo",
        ItemKind.TEST_ITEM,
        Status.REVIEW,
    )
    (picture,) = spec.images
    assert picture.filename == "q-demo.png" and picture.render.func is images.bar_chart
    # Arrays arrive as the tuples the renderers take, and the drawing is a real PNG.
    assert picture.render.keywords["values"] == (3, 5)
    assert Image.open(io.BytesIO(picture.render())).format == "PNG"

    path.write_text(entry.replace('"bar_chart"', '"bar_chrt"'), encoding="utf-8")
    with pytest.raises(
        CatalogError, match="q-demo: image 'q-demo' names an unknown 'bar_chrt'"
    ):
        load_catalog(path)


def test_every_renderer_the_catalog_uses_is_registered_by_its_name() -> None:
    used = {spec.render.func for s in CATALOG for spec in s.images}
    assert used <= set(RENDERERS.values())
    assert all(RENDERERS[name].__name__ == name for name in RENDERERS)


def test_a_pdf_document_binds_its_scans_into_the_same_pdf_every_time() -> None:
    (spec,) = [s for s in CATALOG if s.pdf is not None]
    assert spec.images == () and spec.body == ""
    first = spec.pdf.render()
    assert first.startswith(b"%PDF-") and first == spec.pdf.render()
    assert check_pdf_upload(io.BytesIO(first)).page_count == spec.metadata["pages"]


def test_renderers_are_deterministic() -> None:
    # One spec per renderer keeps this fast while still covering every generator.
    by_renderer = {spec.render.func: spec for s in CATALOG for spec in s.images}
    for spec in by_renderer.values():
        assert spec.render() == spec.render(), spec.filename


def test_page_text_drops_layout_markers() -> None:
    paragraphs = ("## 준비물", "• 보안경", ">> 2025. 9. 29.")
    assert images.page_text(paragraphs) == "준비물\n• 보안경\n2025. 9. 29."


def test_scanned_page_refuses_text_that_does_not_fit() -> None:
    with pytest.raises(ValueError, match="does not fit"):
        images.scanned_page(
            heading="너무 긴 문서", paragraphs=("가나다라 " * 900,), seed=1
        )


@pytest.mark.django_db
def test_load_demo_creates_the_set_once() -> None:
    calls: list[tuple[int, int, str]] = []
    summary = load_demo(progress=lambda *call: calls.append(call))

    assert summary.created == len(CATALOG) >= 40
    assert summary.skipped == 0
    assert summary.images == ItemImage.objects.count() >= 30
    items = _demo_items()
    assert items.count() == summary.created
    assert set(items.values_list("kind", flat=True)) == set(ItemKind)
    assert set(items.values_list("language", flat=True)) == set(Language)
    # Drafts, items in review and archived ones let visibility filters be shown.
    assert set(items.values_list("status", flat=True)) == set(Status)
    assert [(done, total) for done, total, _ in calls] == [
        (n, len(CATALOG)) for n in range(1, len(CATALOG) + 1)
    ]
    triangle = items.get(metadata__demo_key="math-triangle-01")
    assert triangle.metadata["answer"] == "③"
    assert triangle.images.get().original_name == "math-triangle-01.png"
    _assert_images_sound()

    lab = items.get(metadata__demo_key="doc-lab-01")  # a scanned handout as a PDF
    (pdf,) = lab.files.all()
    assert pdf.page_count == 2 and pdf.original_name == "doc-lab-01.pdf"
    assert summary.pdfs == 1

    again = load_demo()
    assert again == DemoSummary(created=0, skipped=len(CATALOG), images=0)
    assert Item.objects.count() == summary.created


@pytest.mark.django_db
def test_command_skips_existing_and_reset_recreates(
    make_item, django_capture_on_commit_callbacks
) -> None:
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith(f"[ 1/{len(CATALOG)}] math-triangle-01")
    assert f"Created {len(CATALOG)} items with" in lines[-1]
    first_ids = set(_demo_items().values_list("id", flat=True))
    first_files = list(ItemImage.objects.values_list("image", flat=True))
    editor_item = make_item(title="편집자가 만든 문항")

    out = io.StringIO()
    call_command("load_demo", "--quiet", stdout=out)
    assert out.getvalue().count("\n") == 1
    assert f"(skipped {len(CATALOG)} existing)" in out.getvalue()

    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", "--reset", "--quiet", stdout=out)
    assert f"Deleted {len(CATALOG)} demo items." in out.getvalue()
    assert f"Created {len(CATALOG)} items" in out.getvalue()
    new_ids = set(_demo_items().values_list("id", flat=True))
    assert len(new_ids) == len(CATALOG)
    assert not new_ids & first_ids
    assert Item.objects.filter(pk=editor_item.pk).exists()
    assert not any(default_storage.exists(name) for name in first_files)


@pytest.mark.django_db
def test_if_empty_leaves_a_portal_with_content_alone(make_item) -> None:
    make_item(title="An editor's own item")
    out = io.StringIO()
    call_command("load_demo", "--if-empty", stdout=out)
    assert "already has items" in out.getvalue()
    assert Item.objects.count() == 1
