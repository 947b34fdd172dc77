"""Job state transitions under races: stale messages, re-requests while running, reindex."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from embeddings.models import EmbeddingSpace, JobState, ProcessingJob, Stage
from embeddings.processing import jobs
from embeddings.processing.pipeline import run_job

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    """Record sends instead of publishing: these tests drive the state machine by hand."""
    sent: list[int] = []

    def fake_send(job, countdown=None):
        sent.append(job.pk)
        ProcessingJob.objects.filter(pk=job.pk).update(enqueued_at=timezone.now())
        return True

    monkeypatch.setattr(jobs, "send_job", fake_send)
    return sent


def job(item, stage, space=None) -> ProcessingJob:
    return ProcessingJob.objects.get(item=item, stage=stage, space=space)


def test_leftover_index_message_waits_for_new_ocr(make_item, run_pipeline):
    item = make_item()
    run_pipeline(item)
    index = job(item, Stage.INDEX)
    item.save()  # new request: OCR pending again, index reset too
    assert run_job(index.pk) == "skipped"  # the old message must not index stale text
    assert job(item, Stage.INDEX).state == JobState.PENDING
    run_pipeline(item)
    assert job(item, Stage.INDEX).state == JobState.DONE


def test_request_while_running_reruns_after_the_current_run(make_item, run_pipeline):
    item = make_item()
    ocr = job(item, Stage.OCR)
    claimed = jobs.claim_job(ocr.pk)
    assert claimed is not None
    item.save()  # the editor saves while OCR runs
    row = job(item, Stage.OCR)
    assert row.state == JobState.RUNNING  # not reset: no second concurrent run
    assert jobs.claim_job(ocr.pk) is None
    jobs.finish_job(claimed)  # the old run ends and sees the newer request
    row.refresh_from_db()
    assert row.state == JobState.PENDING and row.attempts == 0
    run_pipeline(item)
    assert job(item, Stage.OCR).state == JobState.DONE


def test_failure_of_a_superseded_run_does_not_fail_the_new_request(make_item, settings):
    settings.JOB_MAX_ATTEMPTS = 1
    item = make_item()
    claimed = jobs.claim_job(job(item, Stage.OCR).pk)
    item.save()
    jobs.fail_job(claimed, error="boom")
    row = job(item, Stage.OCR)
    assert row.state == JobState.PENDING and row.last_error == ""


def test_reindex_outcome_never_overrides_a_newer_request(make_item):
    item = make_item()
    since = timezone.now() - timedelta(seconds=5)  # reindex read the item earlier
    jobs.record_outcome(
        item_id=item.pk, stage=Stage.OCR, space=None, state=JobState.DONE, since=since
    )
    assert job(item, Stage.OCR).state == JobState.PENDING
    later = timezone.now() + timedelta(seconds=5)
    jobs.record_outcome(
        item_id=item.pk, stage=Stage.OCR, space=None, state=JobState.DONE, since=later
    )
    assert job(item, Stage.OCR).state == JobState.DONE


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"dimension": 0}, "dimension"),
        ({"dimension": 4096}, "dimension"),
        ({"options": ["x"]}, "options"),
        ({"options": {"seed": "one"}}, "options"),
    ],
)
def test_space_configuration_is_validated(fields, field):
    values = {"name": "bad", "label": "Bad", "backend": "open_clip", "model_name": "ViT-B-32",
              "modality": "both", "dimension": 512, **fields}  # fmt: skip
    with pytest.raises(ValidationError) as info:
        EmbeddingSpace(**values).full_clean()
    assert field in info.value.message_dict


def test_changing_the_model_makes_vectors_stale(
    make_item, test_clip_space, run_pipeline
):
    from embeddings.models import Embedding

    item = make_item()
    run_pipeline(item)
    before = Embedding.objects.get(item=item, space=test_clip_space).input_sha256
    test_clip_space.options = {"seed": 7}
    test_clip_space.save()
    jobs.request_processing(item_id=item.pk)
    run_pipeline(item)
    assert (
        Embedding.objects.get(item=item, space=test_clip_space).input_sha256 != before
    )


def test_finished_ocr_resends_jobs_whose_message_was_refused_meanwhile(
    make_item, _no_broker
):
    """A dispatch that raced a new save marked index/embed as sent; their message was
    refused while OCR was busy. OCR finishing must send them again, not leave them to the
    sweeper's stale timeout."""
    item = make_item()
    ocr = jobs.claim_job(job(item, Stage.OCR).pk)
    index = job(item, Stage.INDEX)
    ProcessingJob.objects.filter(pk=index.pk).update(enqueued_at=timezone.now())
    assert run_job(index.pk) == "skipped"  # refused: OCR is running
    _no_broker.clear()
    jobs.finish_job(ocr)
    assert index.pk in _no_broker
