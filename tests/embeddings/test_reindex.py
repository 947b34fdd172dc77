"""`manage.py reindex`: dry runs change nothing, --missing finds exactly what is missing."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import CommandError, call_command

from embeddings.models import (
    Embedding,
    JobState,
    OcrResult,
    ProcessingJob,
    SearchDocument,
)
from embeddings.registry import forget
from items.services import add_image
from tests.conftest import make_image_bytes, render_lines

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_encoders():
    forget()
    yield
    forget()


def reindex(*args: str) -> str:
    out = io.StringIO()
    call_command("reindex", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def counts() -> tuple[int, int, int]:
    return (
        OcrResult.objects.count(),
        SearchDocument.objects.count(),
        Embedding.objects.count(),
    )


def make_items(make_item, n: int):
    items = []
    for i in range(n):
        item = make_item(title=f"문항 {i}", body=f"본문 {i}")
        add_image(
            item=item,
            upload=io.BytesIO(render_lines([f"그림 {i}"])),
            filename=f"{i}.png",
        )
        items.append(item)
    return items


def test_dry_run_counts_work_per_stage_and_changes_nothing(make_item):
    make_items(make_item, 3)
    before = (counts(), list(ProcessingJob.objects.values_list("state", flat=True)))
    output = reindex("--dry-run", "--space", "fingerprint", "--space", "e5-small")
    assert re.search(r"^\s*ocr: images\s+3$", output, re.MULTILINE), output
    assert "embed fingerprint: inputs" in output
    assert "embed e5-small: inputs" in output
    assert (
        counts(),
        list(ProcessingJob.objects.values_list("state", flat=True)),
    ) == before


def test_reindex_processes_everything_and_reports(make_item):
    items = make_items(make_item, 3)
    output = reindex(
        "--space", "fingerprint", "--space", "e5-small", "--batch-size", "2"
    )
    assert "Reindexed 3 item(s)" in output
    assert "3 image(s) OCR'd" in output
    assert OcrResult.objects.count() == 3
    assert SearchDocument.objects.count() == 3
    assert Embedding.objects.filter(space__name="fingerprint").count() == 3
    assert Embedding.objects.filter(space__name="e5-small").count() == 3
    job = ProcessingJob.objects.get(item=items[0], stage="ocr")
    assert job.state == JobState.DONE

    # A second run finds nothing changed: zero OCR, zero vectors.
    again = reindex("--space", "fingerprint", "--space", "e5-small")
    assert "0 image(s) OCR'd" in again
    assert "0 vector(s) in e5-small" in again


def test_missing_selects_exactly_the_unprocessed_items(make_item):
    done = make_items(make_item, 2)
    reindex("--space", "fingerprint", "--space", "e5-small")
    fresh = make_items(make_item, 2)
    half = make_item(title="OCR만 빠진 문항")
    reindex("--items", str(half.pk), "--space", "fingerprint", "--space", "e5-small")
    add_image(item=half, upload=io.BytesIO(make_image_bytes()), filename="late.png")

    output = reindex(
        "--missing", "--dry-run", "--space", "fingerprint", "--space", "e5-small"
    )
    assert "3 item(s) selected" in output  # the two fresh items and the half-done one
    output = reindex("--missing", "--space", "fingerprint", "--space", "e5-small")
    assert "Reindexed 3 item(s)" in output
    for item in [*done, *fresh, half]:
        assert OcrResult.objects.filter(image__item=item).count() == item.images.count()
        assert Embedding.objects.filter(
            item=item, space__name="fingerprint"
        ).count() == (item.images.count())


def test_force_recomputes_unchanged_inputs(make_item):
    make_items(make_item, 1)
    reindex("--space", "fingerprint", "--stage", "ocr", "--stage", "embed")
    output = reindex(
        "--force", "--space", "fingerprint", "--stage", "ocr", "--stage", "embed"
    )
    assert "1 image(s) OCR'd" in output
    assert "1 vector(s) in fingerprint" in output


def test_unavailable_space_is_reported_and_jobs_wait(make_item):
    items = make_items(make_item, 1)
    output = reindex("--space", "clip-multilingual", "--stage", "embed")
    assert "Space clip-multilingual unavailable" in output
    job = ProcessingJob.objects.get(item=items[0], space__name="clip-multilingual")
    assert job.state == JobState.WAITING


def test_misconfigured_space_fails_its_jobs_instead_of_waiting(
    make_item, test_clip_space, settings
):
    settings.EMBEDDINGS_ALLOW_TEST_MODELS = False  # a test-only model in production
    items = make_items(make_item, 1)
    output = reindex("--space", "test-clip", "--stage", "embed")
    assert "Space test-clip unavailable" in output
    job = ProcessingJob.objects.get(item=items[0], space=test_clip_space)
    assert job.state == JobState.FAILED
    assert "refused outside tests" in job.last_error


def test_bad_arguments_are_clear_errors():
    with pytest.raises(CommandError, match="Unknown space"):
        reindex("--space", "nope")
    with pytest.raises(CommandError, match="comma-separated item ids"):
        reindex("--items", "a,b")
