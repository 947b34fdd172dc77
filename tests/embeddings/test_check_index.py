"""`manage.py check_index`: each inconsistency is reported, `--fix` repairs it, and the
exit status says whether problems remain."""

from __future__ import annotations

import io
import re
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from embeddings.models import (
    Embedding,
    EmbeddingSpace,
    JobState,
    OcrResult,
    Passage,
    ProcessingJob,
    SearchDocument,
    Stage,
)
from embeddings.runtime.registry import forget
from items.models import ItemFile
from items.services import add_file, add_image
from tests.conftest import make_image_bytes, render_lines
from tests.pdfs import text_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_encoders():
    forget()
    yield
    forget()


def check_index(*args: str) -> tuple[int, str]:
    """Run the command; returns (exit status, output)."""
    out = io.StringIO()
    try:
        call_command("check_index", *args, stdout=out, stderr=io.StringIO())
    except CommandError as exc:
        return exc.returncode, out.getvalue() + str(exc)
    return 0, out.getvalue()


def counts(output: str, label: str) -> tuple[int, int, int]:
    """Found, fixed and left on the table row that starts with `label`."""
    match = re.search(rf"^{re.escape(label)}\s+(\d+)\s+(\d+)\s+(\d+)", output, re.M)
    assert match, f"no row {label!r} in:\n{output}"
    return tuple(int(n) for n in match.groups())


@pytest.fixture
def processed(make_item, test_clip_space, run_pipeline):
    """A published item with a scan and a photo, fully processed."""
    item = make_item(title="광합성 보고서")
    add_image(item=item, upload=io.BytesIO(render_lines(["광합성 실험"])),
              filename="scan.png")  # fmt: skip
    add_image(item=item, upload=io.BytesIO(make_image_bytes()), filename="photo.png")
    run_pipeline(item)
    return item


def test_a_consistent_index_passes(processed):
    status, output = check_index()
    assert status == 0, output
    assert "No problems left." in output
    # The bundled CLIP space has no weights here: shown, but not a failure.
    found, _, left = counts(output, "items waiting for an unavailable space's model")
    assert found == left == 1


def test_orphans_of_a_vanished_item_and_image_are_reported_then_deleted(
    processed, make_item, run_pipeline
):
    other = make_item(title="사라질 문항")
    add_image(item=other, upload=io.BytesIO(make_image_bytes(color="#aa2233")),
              filename="gone.png")  # fmt: skip
    run_pipeline(other)
    photo = processed.images.get(original_name="photo.png")
    # As after a restore with triggers off: rows vanish, what derives from them stays.
    # Foreign keys are deferred, so this stands until the fix below removes the orphans.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute("DELETE FROM items_itemimage WHERE item_id = %s", [other.pk])
        cursor.execute("DELETE FROM items_item WHERE id = %s", [other.pk])
        cursor.execute("DELETE FROM items_itemimage WHERE id = %s", [photo.pk])
    orphan_vectors = Embedding.objects.filter(item_id=other.pk).count() + (
        Embedding.objects.filter(image_id=photo.pk).count()
    )
    assert orphan_vectors >= 4

    status, output = check_index()
    assert status == 1
    assert counts(output, "orphan embeddings (item or image gone)") == (
        orphan_vectors, 0, orphan_vectors,
    )  # fmt: skip
    assert counts(output, "orphan search documents (item gone)")[0] == 1
    assert counts(output, "orphan OCR results (image gone)")[0] == 2
    orphan_passages = Passage.objects.filter(item_id=other.pk).count()
    assert orphan_passages >= 1  # e5-small embeds the item's text as passages too
    assert counts(output, "orphan passages (item gone)")[0] == orphan_passages
    assert counts(output, "orphan jobs (item gone)")[0] == (
        ProcessingJob.objects.filter(item_id=other.pk).count()
    )

    status, output = check_index("--fix")
    assert status == 0, output
    assert counts(output, "orphan embeddings (item or image gone)") == (
        orphan_vectors, orphan_vectors, 0,
    )  # fmt: skip
    assert not Embedding.objects.filter(item_id=other.pk).exists()
    assert not Embedding.objects.filter(image_id=photo.pk).exists()
    assert not SearchDocument.objects.filter(item_id=other.pk).exists()
    assert not Passage.objects.filter(item_id=other.pk).exists()
    assert not OcrResult.objects.filter(image_id=photo.pk).exists()
    assert not ProcessingJob.objects.filter(item_id=other.pk).exists()
    # The surviving item's own data is untouched.
    assert Embedding.objects.filter(item=processed, image__isnull=True).exists()
    connection.check_constraints()  # no dangling reference is left


def test_missing_document_and_embeddings_are_queued_and_then_present(
    processed, make_item, test_clip_space, run_pipeline
):
    draft = make_item(title="초안", status="draft")
    run_pipeline(draft)
    for item in (processed, draft):
        SearchDocument.objects.filter(item=item).delete()
        Embedding.objects.filter(item=item, space=test_clip_space).delete()
    # The jobs say done: the work is lost, nothing would redo it.

    status, output = check_index()
    assert status == 1
    assert counts(output, "published items without a search document")[0] == 1
    assert counts(output, "published items missing embeddings (active spaces)")[0] == 1
    assert f"item {processed.pk} in test-clip" in output
    assert f"item {draft.pk}" not in output  # drafts are not served: not reported

    status, output = check_index("--fix")
    assert status == 0, output
    assert ProcessingJob.objects.get(item=processed, stage=Stage.INDEX).state == (
        JobState.PENDING
    )
    run_pipeline(processed)
    assert SearchDocument.objects.filter(item=processed).exists()
    assert Embedding.objects.filter(item=processed, space=test_clip_space).count() == 3
    assert check_index()[0] == 0


@pytest.mark.parametrize(
    "change",
    [{"options": {"seed": 7}}, {"model_name": "portal-test-tiny-clip-v2"},
     {"modality": "text"}],
    ids=["options", "model", "modality"],
)  # fmt: skip
def test_vectors_of_a_superseded_model_are_replaced(
    processed, test_clip_space, run_pipeline, change
):
    # Changed behind the pipeline's back (SQL, a lost request): old vectors remain.
    EmbeddingSpace.objects.filter(pk=test_clip_space.pk).update(**change)
    before = Embedding.objects.filter(item=processed, space=test_clip_space).count()
    expected = before if "modality" not in change else 2  # the two image vectors

    status, output = check_index()
    assert status == 1
    assert counts(output, "vectors from a superseded model or input") == (
        expected, 0, expected,
    )  # fmt: skip
    # The other spaces' vectors are current.
    assert "e5-small:" not in output and "fingerprint:" not in output

    status, output = check_index("--fix")
    assert status == 0, output
    assert Embedding.objects.filter(item=processed, space=test_clip_space).count() == (
        before - expected
    )
    job = ProcessingJob.objects.get(item=processed, space=test_clip_space)
    assert job.state == JobState.PENDING


def test_superseded_vectors_come_back_current_after_the_workers_run(
    processed, test_clip_space, run_pipeline
):
    EmbeddingSpace.objects.filter(pk=test_clip_space.pk).update(options={"seed": 3})
    assert check_index("--fix")[0] == 0
    run_pipeline(processed)
    status, output = check_index()
    assert status == 0, output
    assert counts(output, "vectors from a superseded model or input")[0] == 0
    assert Embedding.objects.filter(item=processed, space=test_clip_space).count() == 3


def test_stale_jobs_are_handed_to_the_sweeper(processed, settings):
    long_ago = timezone.now() - timedelta(hours=2)
    ocr = ProcessingJob.objects.get(item=processed, stage=Stage.OCR)
    index = ProcessingJob.objects.get(item=processed, stage=Stage.INDEX)
    # A running job whose worker died, and an index job whose message was lost.
    ProcessingJob.objects.filter(pk=ocr.pk).update(
        state=JobState.RUNNING, started_at=long_ago, attempts=1
    )
    ProcessingJob.objects.filter(pk=index.pk).update(
        state=JobState.PENDING, enqueued_at=long_ago
    )
    status, output = check_index()
    assert status == 1
    # The index job waits for the running OCR job; only the OCR job is stuck.
    assert counts(output, "stale jobs (pending or running too long)")[0] == 1

    ProcessingJob.objects.filter(pk=ocr.pk).update(state=JobState.DONE)
    status, output = check_index()
    assert counts(output, "stale jobs (pending or running too long)")[0] == 1
    assert f"job {index.pk}" in output

    status, output = check_index("--fix")  # really sent to the test broker
    assert status == 0, output
    index.refresh_from_db()
    assert index.state == JobState.PENDING and index.enqueued_at > long_ago


def test_a_missing_file_is_reported_and_keeps_failing_after_fix(processed):
    photo = processed.images.get(original_name="photo.png")
    Path(photo.image.path).unlink()
    status, output = check_index("--fix")
    assert status == 1
    assert counts(output, "images and PDFs whose file is missing from storage") == (
        1,
        0,
        1,
    )
    assert f"image {photo.pk} of item {processed.pk}" in output
    assert "1 problem(s) remain." in output


def test_failed_jobs_are_listed_but_do_not_fail_the_check(processed):
    ProcessingJob.objects.filter(item=processed, stage=Stage.INDEX).update(
        state=JobState.FAILED, last_error="[poison input, not retried] boom"
    )
    status, output = check_index()
    assert status == 0, output
    assert counts(output, "failed jobs (reason on each job)")[0] == 1
    assert "boom" in output


def test_files_no_row_names_are_reported_then_deleted(processed, settings):
    import os
    import shutil

    # Deleting an image removes its files (items/file_cleanup.py); orphans still come from a
    # crash between an upload's write and its commit, or a database restored without them.
    photo = processed.images.get(original_name="photo.png")
    files = []
    for field in (photo.image, photo.thumbnail):
        source = Path(field.path)
        files.append(source.with_name(f"orphan-{source.name}"))
        shutil.copyfile(source, files[-1])
    fresh = Path(settings.MEDIA_ROOT) / "items" / "uploading-now.png"
    fresh.write_bytes(b"an upload whose row is not committed yet")
    hours_ago = time.time() - 2 * 3600
    for path in files:
        os.utime(path, (hours_ago, hours_ago))

    status, output = check_index("--check", "orphan-files")
    assert status == 1
    assert counts(output, "orphan media files (no image or PDF row)") == (2, 0, 2)
    status, output = check_index("--check", "orphan-files", "--fix")
    assert status == 0, output
    assert not any(path.exists() for path in files)
    assert fresh.exists()  # within the grace period: left alone
    for kept in processed.images.all():  # files rows name are never touched
        assert Path(kept.image.path).exists() and Path(kept.thumbnail.path).exists()
    fresh.unlink()


def test_unrendered_pdf_pages_are_queued_and_a_missing_pdf_reported(processed):
    file, _ = add_file(
        item=processed, upload=io.BytesIO(text_pdf(["Page one"], ["Page two"])),
        filename="guide.pdf",
    )  # fmt: skip
    ProcessingJob.objects.filter(item=processed).delete()  # its jobs were lost
    status, output = check_index("--fix")
    assert counts(output, "published items with PDF pages not rendered") == (1, 1, 0)
    assert ProcessingJob.objects.get(item=processed, stage="pages").state == "pending"

    Path(ItemFile.objects.get(pk=file.pk).file.path).unlink()
    status, output = check_index()
    assert status == 1
    assert f"PDF {file.pk} of item {processed.pk}" in output
