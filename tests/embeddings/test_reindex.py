"""`manage.py reindex`: dry runs change nothing, --missing finds exactly what is missing."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import CommandError, call_command

from embeddings.models import (
    Embedding,
    EmbeddingSpace,
    JobState,
    OcrResult,
    ProcessingJob,
    SearchDocument,
    Stage,
)
from embeddings.processing.reindex import plan_reindex, run_reindex, select_items
from embeddings.runtime.registry import forget
from items.services import add_image
from tests.conftest import make_image_bytes, render_lines
from tests.factories import ItemImageFactory

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
    """`n` items, each with one scanned-looking image."""
    return [
        ItemImageFactory(
            item=make_item(title=f"문항 {i}", body=f"본문 {i}"),
            content=render_lines([f"그림 {i}"]),
        ).item
        for i in range(n)
    ]


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


def _plan_and_run(*, force: bool = False, stages=tuple(Stage)):
    """The dry run's plan and the real run's work, for the same selection."""
    spaces = list(EmbeddingSpace.objects.filter(name__in=["fingerprint", "e5-small"]))
    items = select_items(item_ids=None, missing=False, spaces=spaces, stages=stages)
    plan = plan_reindex(items=items, spaces=spaces, stages=stages, force=force)
    summary = run_reindex(
        items=items, spaces=spaces, stages=stages, force=force, batch_size=2
    )
    return plan, dict(+summary.work)  # unary + drops the zero counts a plan omits


def test_dry_run_plans_exactly_the_work_the_run_does(make_item):
    done, half, fresh = make_items(make_item, 3)
    reindex("--items", f"{done.pk},{half.pk}", "--space", "fingerprint",
            "--space", "e5-small")  # fmt: skip
    # `half` changes after processing: new text (index + text vector stale) and a new
    # image (its OCR and image vector missing); `done` stays current.
    half.body = "바뀐 본문"
    half.save()
    add_image(item=half, upload=io.BytesIO(make_image_bytes()), filename="late.png")

    plan, work = _plan_and_run()
    assert plan == work
    assert plan == {
        "ocr: images": 2,  # fresh's image and half's late one
        "index: items": 2,
        "embed fingerprint: inputs": 2,
        # half's and fresh's text vectors, and each one's single passage
        "embed e5-small: inputs": 4,
    }
    # Afterwards everything is current: the plan is empty and so is the run.
    assert _plan_and_run() == ({}, {})
    assert fresh.images.count() == 1


def test_forced_dry_run_plans_exactly_the_forced_work(make_item):
    make_items(make_item, 2)
    _plan_and_run()
    plan, work = _plan_and_run(force=True, stages=(Stage.INDEX, Stage.OCR))
    assert plan == work == {"ocr: images": 2, "index: items": 2}


def test_a_forced_reindex_keeps_old_outputs_searchable_until_replaced(make_item):
    from embeddings.processing.pipeline import STAGES

    (item,) = make_items(make_item, 1)
    reindex("--space", "fingerprint")
    fingerprint = EmbeddingSpace.objects.get(name="fingerprint")
    for stage in (Stage.OCR, Stage.INDEX, Stage.EMBED):
        STAGES[stage].forget(items=[item], spaces=[fingerprint])
    # Marked stale, not deleted: searches keep finding the item while it is redone.
    assert SearchDocument.objects.get(item=item).input_sha256 == ""
    assert set(
        OcrResult.objects.filter(image__item=item).values_list(
            "input_sha256", flat=True
        )
    ) == {""}
    assert set(
        Embedding.objects.filter(item=item, space=fingerprint).values_list(
            "input_sha256", flat=True
        )
    ) == {""}
    output = reindex("--space", "fingerprint")  # not forced: stale rows are work
    assert "1 image(s) OCR'd" in output and "1 vector(s) in fingerprint" in output
    assert SearchDocument.objects.get(item=item).input_sha256 != ""


def test_reindex_rehashes_images_stored_with_the_old_window_layout(make_item):
    """Images hashed with the 11 windows of before the 90 % level get all 16 from a plain
    `reindex --space fingerprint` (no --force, no version bump); the rest are left."""
    from embeddings.encoders.fingerprint import WINDOWS
    from embeddings.models import WindowHash

    old, current = make_items(make_item, 2)
    reindex("--space", "fingerprint")
    WindowHash.objects.filter(embedding__item=old, window__gte=11).delete()

    output = reindex("--space", "fingerprint")

    assert "1 vector(s) in fingerprint" in output
    for item in (old, current):
        windows = WindowHash.objects.filter(embedding__item=item)
        assert windows.count() == len(WINDOWS)
